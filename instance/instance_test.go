package instance

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"unigo.dev/unigo/launch"
)

func TestRestartDelay(t *testing.T) {
	if restartDelay(0) != 100*time.Millisecond || restartDelay(3) != 800*time.Millisecond || restartDelay(60) != 10*time.Second {
		t.Error("restartDelay")
	}
}

func TestProc(t *testing.T) {
	me, err := ProcOf(os.Getpid())
	if err != nil || !me.Alive() {
		t.Fatalf("ProcOf(self) = %+v, %v", me, err)
	}
	if (Proc{Pid: me.Pid, Start: me.Start + 1}).Alive() {
		t.Error("a process that started at another time is taken for this one")
	}
	cmd := exec.Command("true")
	cmd.Run()
	if (Proc{Pid: cmd.Process.Pid, Start: 1}).Alive() || (Proc{}).Alive() {
		t.Error("a dead process is alive")
	}
}

// A state file that says running is believed only while its monitor lives.
func TestSettle(t *testing.T) {
	me, _ := ProcOf(os.Getpid())
	dead := Proc{Pid: me.Pid, Start: me.Start + 1}
	for _, tt := range []struct {
		st   State
		want string
	}{
		{State{Status: Status{Phase: Running, Monitor: me}}, "running"},
		{State{Status: Status{Phase: Created}}, "created"},
		{State{Status: Status{Phase: Running, Monitor: dead}}, "exited (killed)"},
		{State{Status: Status{Phase: Restarting, Monitor: dead, Exit: &Exit{Code: 1, Reason: ReasonExited}}}, "exited (killed)"},
		{State{Status: Status{Phase: Running, Monitor: dead, VMM: me}}, "running (unsupervised)"},
		{State{Status: Status{Phase: Exited, Exit: &Exit{Code: 3, Reason: ReasonExited}}}, "exited (3)"},
		{State{Status: Status{Phase: Exited, Exit: &Exit{Code: 143, Reason: ReasonSignaled}}}, "exited (signal 15)"},
		{State{Status: Status{Phase: Exited, Exit: &Exit{Code: 122, Reason: ReasonCrashed}}}, "exited (crashed)"},
	} {
		st := tt.st
		st.settle()
		if st.Summary != tt.want {
			t.Errorf("%+v: %q, want %q", tt.st, st.Summary, tt.want)
		}
	}
}

func TestCreateAndRemove(t *testing.T) {
	is := Open(t.TempDir())
	spec := launch.Config{Image: "example.com/web:v1", Argv0: "web"}
	var wg sync.WaitGroup
	var created, refused int
	var mu sync.Mutex
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := is.Create("web", spec, IO{})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				created++
			} else if strings.Contains(err.Error(), "an instance named web already exists") {
				refused++
			}
		}()
	}
	wg.Wait()
	if created != 1 || refused != 9 {
		t.Fatalf("10 creations of one name: %d created, %d refused", created, refused)
	}
	gen, err := is.Create("", spec, IO{})
	if err != nil || !strings.HasPrefix(gen.Name, "web-") {
		t.Fatalf("generated name: %+v, %v", gen, err)
	}
	for _, bad := range []string{"a/b", "-x", ".x", strings.Repeat("x", 65)} {
		if _, err := is.Create(bad, spec, IO{}); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	list, err := is.List()
	if err != nil || len(list) != 2 || list[0].Name != gen.Name || list[1].Summary != "created" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := is.Remove("web", false); err != nil {
		t.Fatal(err)
	}
	if _, err := is.Get("web"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Remove: %v", err)
	}
	if err := is.Remove("web", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove twice: %v", err)
	}
	// What a killed command leaves is swept by the next creation.
	os.Mkdir(is.path(".new-x-1"), 0o755)
	os.Mkdir(is.path(".rm-y-2"), 0o755)
	is.Create("z", spec, IO{})
	if _, err := os.Stat(is.path(".new-x-1")); err == nil {
		t.Error("not swept")
	}
}

func TestConsoleLogAndLogs(t *testing.T) {
	is := Open(t.TempDir())
	if _, err := is.Create("app", launch.Config{}, IO{}); err != nil {
		t.Fatal(err)
	}
	outputs := 0
	l, err := openConsoleLog(is.path("app", consoleFile), func() { outputs++ })
	if err != nil {
		t.Fatal(err)
	}
	out, errs := l.stream("stdout"), l.stream("stderr")
	out.Write([]byte("one\ntw"))
	errs.Write([]byte("kernel: hi\n"))
	out.Write([]byte("o\nthree\n"))
	out.Write([]byte("prompt> "))
	time.Sleep(partialAfter + 100*time.Millisecond) // the unfinished line is written
	out.Write([]byte("answer\n"))
	out.flush()
	l.close()
	if outputs != 5 {
		t.Errorf("output hook called %d times", outputs)
	}
	if last := strings.Join(l.lastLines(), "|"); last != "one|kernel: hi|two|three|prompt> |answer" {
		t.Errorf("last lines %q", last)
	}

	logs := func(opts LogOptions) (string, string) {
		var o, e bytes.Buffer
		opts.Stdout, opts.Stderr = &o, &e
		if err := is.Logs(t.Context(), "app", opts); err != nil {
			t.Fatal(err)
		}
		return o.String(), e.String()
	}
	if o, e := logs(LogOptions{Tail: -1}); o != "one\ntwo\nthree\nprompt> answer\n" || e != "kernel: hi\n" {
		t.Errorf("logs: %q, %q", o, e)
	}
	if o, e := logs(LogOptions{Tail: 2}); o != "three\nprompt> answer\n" || e != "" {
		t.Errorf("logs --tail 2: %q, %q", o, e)
	}
	if o, _ := logs(LogOptions{Tail: 0}); o != "" {
		t.Errorf("logs --tail 0: %q", o)
	}
	if o, _ := logs(LogOptions{Tail: 1, Timestamps: true}); !strings.HasSuffix(o, "Z answer\n") || !strings.HasPrefix(o, "20") {
		t.Errorf("logs --timestamps: %q", o)
	}
	// Following an instance that is not running shows the log and returns.
	if o, _ := logs(LogOptions{Tail: 1, Follow: true}); o != "prompt> answer\n" {
		t.Errorf("logs -f: %q", o)
	}
}

func TestParseRecordsKeepsAnIncompleteOne(t *testing.T) {
	recs, rest := parseRecords([]byte(`{"stream":"stdout","log":"a\n"}` + "\n" + `{"stream":"std`))
	if len(recs) != 1 || recs[0].Log != "a\n" || string(rest) != `{"stream":"std` {
		t.Errorf("recs %+v, rest %q", recs, rest)
	}
}

func TestLongSocketPath(t *testing.T) {
	dir := t.TempDir() + "/" + strings.Repeat("d", 60) + "/" + strings.Repeat("e", 60)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := listenUnix(dir + "/s.sock")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := dialUnix(dir + "/s.sock")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2)
	if _, err := c.Read(b); err != nil || string(b) != "hi" {
		t.Errorf("read %q, %v", b, err)
	}
}
