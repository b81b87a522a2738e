package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logsHave waits until the instance's console has text.
func logsHave(t *testing.T, root, name, text string) {
	t.Helper()
	var last result
	waitFor(t, fmt.Sprintf("%q in the logs of %s", text, name), 60*time.Second, func() bool {
		last = in(t, root, "logs", name)
		return strings.Contains(last.stdout+last.stderr, text)
	})
}

// The whole life of a detached instance: run -d, ps, logs (-f too), stop
// (the app's SIGTERM handler runs), inspect, restart, rm.
func TestInstanceLifecycle(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	r := in(t, root, "run", "-d", "--name", "web", "sigterm")
	r.expect(t, 0, "web\n")
	ps := in(t, root, "ps")
	ps.expect(t, 0, "NAME", "STATE", "UPTIME", "MEMORY")
	if !strings.Contains(ps.stdout, "web") || !strings.Contains(ps.stdout, "sigterm") || !strings.Contains(ps.stdout, "running") || !strings.Contains(ps.stdout, "64M") {
		t.Fatalf("ps:\n%v", ps)
	}
	logsHave(t, root, "web", "ready")
	// The monitor records the boot time just after the first output
	// reaches the log, so inspect may be a moment behind logs.
	var st state
	waitFor(t, "the boot time in inspect", 10*time.Second, func() bool {
		st = inspect(t, root, "web")
		return st.BootTimeMs > 0
	})
	if st.Status != "running" || st.QEMU.Pid == 0 || st.Monitor.Pid == 0 {
		t.Fatalf("inspect of a running instance: %+v", st)
	}

	follow := exec.Command(unigoBin, "logs", "-f", "web")
	follow.Env = append(os.Environ(), "UNIGO_ROOT="+root)
	var followed strings.Builder
	follow.Stdout = &followed
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	in(t, root, "stop", "--time", "20", "web").expect(t, 0, "web\n")
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("stop took %v: the app's SIGTERM handler should have ended it at once", d)
	}
	st = inspect(t, root, "web")
	if st.State != "exited (0)" || st.Exit == nil || st.Exit.Code != 0 || st.Exit.Reason != "exited" {
		t.Fatalf("after stop: %+v %+v", st, st.Exit)
	}
	if last := strings.Join(st.Exit.LastLines, "\n"); !strings.Contains(last, "got terminated") {
		t.Errorf("last lines: %q", last)
	}
	in(t, root, "logs", "web").expect(t, 0, "ready\ngot terminated\n")
	in(t, root, "logs", "--tail", "1", "web").expect(t, 0, "got terminated\n")
	if tail := in(t, root, "logs", "--tail", "1", "web"); tail.stdout != "got terminated\n" {
		t.Errorf("logs --tail 1: %q", tail.stdout)
	}
	done := make(chan error, 1)
	go func() { done <- follow.Wait() }()
	select {
	case err := <-done:
		if err != nil || followed.String() != "ready\ngot terminated\n" {
			t.Errorf("logs -f: %v, %q", err, followed.String())
		}
	case <-time.After(10 * time.Second):
		follow.Process.Kill()
		t.Errorf("logs -f did not end with the instance")
	}
	if ps := in(t, root, "ps"); strings.Contains(ps.stdout, "web") {
		t.Errorf("ps lists an exited instance:\n%v", ps)
	}
	if ps := in(t, root, "ps", "-a"); !strings.Contains(ps.stdout, "exited (0)") {
		t.Errorf("ps -a:\n%v", ps)
	}

	in(t, root, "restart", "web").expect(t, 0, "web\n")
	waitFor(t, "a second boot", 60*time.Second, func() bool {
		return strings.Count(in(t, root, "logs", "web").stdout, "ready") == 2
	})
	oneError(t, in(t, root, "rm", "web"), "web is running", "unigo rm -f web")
	in(t, root, "rm", "-f", "web").expect(t, 0, "web\n")
	if ps := in(t, root, "ps", "-a"); strings.Contains(ps.stdout, "web") {
		t.Errorf("ps -a after rm:\n%v", ps)
	}
	if _, err := os.Stat(filepath.Join(root, "instances", "web")); !os.IsNotExist(err) {
		t.Errorf("the instance's directory is still there: %v", err)
	}
}

// An app that ignores SIGTERM is powered off after --time.
func TestStopPowersOffAfterTime(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "run", "-d", "--name", "stubborn", "ignoreterm").expect(t, 0)
	logsHave(t, root, "stubborn", "ignoring SIGTERM")
	start := time.Now()
	in(t, root, "stop", "--time", "1", "stubborn").expect(t, 0, "stubborn\n")
	if d := time.Since(start); d < time.Second || d > 8*time.Second {
		t.Errorf("stop --time 1 took %v", d)
	}
	st := inspect(t, root, "stubborn")
	if st.State != "exited (stopped)" || st.Exit.Code != 137 || !strings.Contains(st.Exit.Detail, "did not exit within 1s") {
		t.Fatalf("after stop: %+v %+v", st, st.Exit)
	}
	// Stopping it again does nothing; killing it is an error.
	in(t, root, "stop", "stubborn").expect(t, 0, "stubborn\n")
	oneError(t, in(t, root, "kill", "stubborn"), "stubborn is not running (exited (stopped))")
}

func TestKill(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "run", "-d", "--name", "k", "sigterm").expect(t, 0)
	logsHave(t, root, "k", "ready")
	in(t, root, "kill", "k").expect(t, 0, "k\n")
	st := inspect(t, root, "k")
	if st.State != "exited (killed)" || st.Exit.Code != 137 || strings.Contains(in(t, root, "logs", "k").stdout, "got terminated") {
		t.Fatalf("after kill: %+v %+v", st, st.Exit)
	}
	in(t, root, "rm", "k").expect(t, 0, "k\n")

	// An app without a SIGTERM handler dies of it, as Go's default action.
	in(t, root, "run", "-d", "--name", "plain", "idle").expect(t, 0)
	logsHave(t, root, "plain", "idle")
	in(t, root, "stop", "plain").expect(t, 0, "plain\n")
	if st := inspect(t, root, "plain"); st.State != "exited (signal 15)" || st.Exit.Code != 143 {
		t.Fatalf("stop without a handler: %+v %+v", st, st.Exit)
	}
}

// An app that uses up the VM's memory: the instance ends crashed, and
// inspect says it ran out of memory and shows the last console lines.
func TestInstanceOutOfMemory(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "run", "-d", "--memory", "24M", "--name", "oom", "hoard").expect(t, 0, "oom\n")
	var st state
	waitFor(t, "the instance to end", 120*time.Second, func() bool {
		st = inspect(t, root, "oom")
		return st.Exit != nil && st.Status == "exited"
	})
	last := strings.Join(st.Exit.LastLines, "\n")
	if st.Exit.Reason != "crashed" || !strings.Contains(st.Exit.Detail, "out of memory") || !strings.Contains(last, "holding") {
		t.Fatalf("after running out of memory: %+v %+v", st, st.Exit)
	}
	if ps := in(t, root, "ps", "-a"); !strings.Contains(ps.stdout, "crashed") {
		t.Fatalf("ps -a:\n%v", ps)
	}
}

// Killing the monitor or QEMU from outside: ps tells the truth, and no
// process is left.
func TestKilledMonitorOrQEMU(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	for _, name := range []string{"m", "q"} {
		in(t, root, "run", "-d", "--name", name, "idle").expect(t, 0)
		logsHave(t, root, name, "idle")
	}
	m, q := inspect(t, root, "m"), inspect(t, root, "q")
	syscall.Kill(m.Monitor.Pid, syscall.SIGKILL)
	syscall.Kill(q.QEMU.Pid, syscall.SIGKILL)
	waitFor(t, "both to show as killed", 20*time.Second, func() bool {
		ps := in(t, root, "ps", "-a").stdout
		return strings.Count(ps, "exited (killed)") == 2
	})
	if st := inspect(t, root, "m"); !strings.Contains(st.Exit.Detail, "monitor") {
		t.Errorf("killed monitor: %+v", st.Exit)
	}
	if st := inspect(t, root, "q"); !strings.Contains(st.Exit.Detail, "QEMU was killed by signal 9") {
		t.Errorf("killed QEMU: %+v", st.Exit)
	}
	waitFor(t, "the killed monitor's QEMU to die with it", 10*time.Second, func() bool {
		return !alive(m.QEMU.Pid)
	})
	if ps := in(t, root, "ps").stdout; strings.Count(ps, "\n") != 1 {
		t.Errorf("ps lists ghosts:\n%s", ps)
	}
	// Stopping them is a no-op; they are removed without -f.
	in(t, root, "stop", "m", "q").expect(t, 0, "m\nq\n")
	in(t, root, "rm", "m", "q").expect(t, 0, "m\nq\n")
}

// alive tells whether a process (not a zombie) has pid.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return !strings.HasPrefix(string(stat[i+1:]), " Z")
}

func TestRestartPolicy(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "run", "-d", "--name", "flaky", "--restart", "on-failure:2", "exitcode", "3").expect(t, 0)
	waitFor(t, "on-failure:2 to give up", 60*time.Second, func() bool {
		return inspect(t, root, "flaky").Status == "exited"
	})
	st := inspect(t, root, "flaky")
	if st.State != "exited (3)" || st.Restarts != 2 || strings.Count(in(t, root, "logs", "flaky").stdout, "exiting with 3") != 3 {
		t.Errorf("on-failure:2: %+v, logs:\n%s", st, in(t, root, "logs", "flaky").stdout)
	}

	// always: an app that exits 0 boots again, until it is stopped.
	in(t, root, "run", "-d", "--name", "again", "--restart", "always", "exitcode", "0").expect(t, 0)
	waitFor(t, "restarts", 60*time.Second, func() bool { return inspect(t, root, "again").Restarts >= 2 })
	in(t, root, "stop", "again").expect(t, 0)
	st = inspect(t, root, "again")
	time.Sleep(time.Second)
	if st.Status != "exited" || inspect(t, root, "again").Restarts != st.Restarts {
		t.Errorf("a stopped instance restarted: %+v", st)
	}
}

// 20 instances started and stopped at once: all run, all stop, nothing is
// left behind.
func TestConcurrentInstances(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	const n = 20
	parallel := func(do func(i int) result) {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := do(i); r.code != 0 {
					t.Errorf("%v", r)
				}
			}()
		}
		wg.Wait()
	}
	parallel(func(i int) result { return in(t, root, "run", "-d", "--name", fmt.Sprint("c", i), "sigterm") })
	if t.Failed() {
		t.FailNow()
	}
	if ps := in(t, root, "ps").stdout; strings.Count(ps, "running") != n {
		t.Fatalf("ps:\n%s", ps)
	}
	for i := 0; i < n; i++ {
		logsHave(t, root, fmt.Sprint("c", i), "ready")
	}
	parallel(func(i int) result { return in(t, root, "stop", fmt.Sprint("c", i)) })
	if ps := in(t, root, "ps", "-a").stdout; strings.Count(ps, "exited (0)") != n {
		t.Errorf("ps -a after stop:\n%s", ps)
	}
	parallel(func(i int) result { return in(t, root, "rm", fmt.Sprint("c", i)) })
	ents, _ := os.ReadDir(filepath.Join(root, "instances"))
	for _, e := range ents {
		if e.Name() != ".lock" {
			t.Errorf("left in the instances directory: %s", e.Name())
		}
	}
	checkNoProcesses(t, root)
}

// Bad input: each a clear error (exit 125), and nothing stored is lost.
func TestInstanceBadInput(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	oneError(t, in(t, root, "run", "-d", "nosuch"), `no such image "nosuch"`, "unigo images")
	oneError(t, in(t, root, "run", "nosuch:v2"), `no such image "nosuch:v2"`)
	oneError(t, in(t, root, "run", "-d", "--restart", "sometimes", "idle"), "not a restart policy")
	oneError(t, in(t, root, "run", "-d", "--name", "bad/name", "idle"), "not an instance name")
	oneError(t, in(t, root, "run", "-d", app(t, "idle")), "run -d boots images from the image store")
	oneError(t, unigo(t, []string{"UNIGO_ROOT=" + root, "PATH=" + t.TempDir()}, "run", "-d", "--name", "noqemu", "idle"), "qemu-system-x86_64 not found in PATH")
	oneError(t, in(t, root, "stop", "nosuch"), `no such instance "nosuch"`)
	oneError(t, in(t, root, "logs", "nosuch"), `no such instance "nosuch"`)

	// A published port: ps shows it; a second instance, or anything else,
	// wanting the same host port gets one clear error.
	hold, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := hold.Addr().(*net.TCPAddr).Port
	hold.Close()
	in(t, root, "run", "-d", "--name", "one", "-p", fmt.Sprintf("127.0.0.1:%d:80", free), "idle").expect(t, 0)
	if ps := in(t, root, "ps"); !strings.Contains(ps.stdout, fmt.Sprintf("127.0.0.1:%d->80/tcp", free)) {
		t.Errorf("ps does not show the published port:\n%v", ps)
	}
	oneError(t, in(t, root, "run", "-d", "--name", "two", "-p", fmt.Sprintf("127.0.0.1:%d:80", free), "idle"), fmt.Sprintf("host port %d/tcp is already in use", free))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	oneError(t, in(t, root, "run", "-p", fmt.Sprintf("127.0.0.1:%d:80", busy.Addr().(*net.TCPAddr).Port), "idle"), "already in use")
	oneError(t, in(t, root, "run", "-p", "80:80:80:80", "idle"), "invalid -p")
	oneError(t, in(t, root, "run", "-d", "--name", "one", "sigterm"), "an instance named one already exists")
	if st := inspect(t, root, "one"); st.Status != "running" {
		t.Errorf("the first instance named one: %+v", st)
	}

	// A corrupted manifest and a corrupted image file: refused, at run
	// time, attached or not; the other images and the instance stay.
	corrupt(t, root, "sigterm", "manifests", func(b []byte) []byte { return append(b, ' ') })
	corrupt(t, root, "exitcode", "blobs", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b })
	for _, detach := range [][]string{nil, {"-d"}} {
		oneError(t, in(t, root, append(append([]string{"run"}, detach...), "sigterm")...), "image sigterm:latest is corrupted: its manifest does not match its digest", "unigo rmi sigterm:latest")
		oneError(t, in(t, root, append(append([]string{"run"}, detach...), "exitcode")...), "image exitcode:latest is corrupted", "does not match its digest", "will not be booted")
	}
	images := in(t, root, "images")
	images.expect(t, 0, "idle", "exitcode", "sigterm", "corrupted")
	if st := inspect(t, root, "one"); st.Status != "running" {
		t.Errorf("instance one after the errors: %+v", st)
	}
	in(t, root, "run", "-d", "--name", "two", "idle").expect(t, 0)
	logsHave(t, root, "two", "idle")
	if len(instances(t, root)) != 2 {
		t.Errorf("failed runs left instances: %v", instances(t, root))
	}
}

// corrupt changes the stored manifest or blob of image name.
func corrupt(t *testing.T, root, name, what string, change func([]byte) []byte) {
	t.Helper()
	var img struct {
		ID       string
		Manifest struct{ Blob struct{ Digest string } }
	}
	r := in(t, root, "inspect", "--type", "image", name)
	if err := unmarshalFirst(r.stdout, &img); err != nil {
		t.Fatalf("inspect %s: %v\n%v", name, err, r)
	}
	digest := img.ID
	if what == "blobs" {
		digest = img.Manifest.Blob.Digest
	}
	p := filepath.Join(root, "images", what, "sha256", strings.TrimPrefix(digest, "sha256:"))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, change(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
