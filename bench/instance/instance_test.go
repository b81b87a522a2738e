package instance

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

var instanceRun = flag.Bool("instance.run", false, "TestRunInstance: run the instance benchmark once, for real (builds unigo, boots QEMU, uses Docker or runc)")

// The line's time is the record's time stamp, not when the poll saw it.
func TestWaitLogLine(t *testing.T) {
	dir := t.TempDir()
	unigoLog := filepath.Join(dir, "console.log")
	os.WriteFile(unigoLog, []byte(`{"time":"2026-11-24T08:50:13.1Z","stream":"stderr","log":"boot\n"}
{"time":"2026-11-24T08:50:13.25Z","stream":"stdout","log":"sigwait ready\n"}
`), 0o644)
	dockerLog := filepath.Join(dir, "docker.log")
	os.WriteFile(dockerLog, []byte(`{"log":"sigwait ready\n","stream":"stdout","time":"2026-11-24T08:50:14.5Z"}
`), 0o644)
	for _, c := range []struct {
		path string
		want string
	}{
		{unigoLog, "2026-11-24T08:50:13.25Z"},
		{dockerLog, "2026-11-24T08:50:14.5Z"},
	} {
		at, err := waitLogLine(context.Background(), c.path, "sigwait ready", time.Now().Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := time.Parse(time.RFC3339Nano, c.want); !at.Equal(want) {
			t.Errorf("%s: %v, want %v", filepath.Base(c.path), at, want)
		}
	}
	if _, err := waitLogLine(context.Background(), unigoLog, "never", time.Now().Add(20*time.Millisecond)); err == nil {
		t.Error("a line that is not there was found")
	}
}

// TestRunInstance runs the instance benchmark once, for real. Only with
// -instance.run.
func TestRunInstance(t *testing.T) {
	if !*instanceRun {
		t.Skip("builds unigo and boots QEMU: run with -instance.run")
	}
	dir := t.TempDir()
	unigo := filepath.Join(dir, "unigo")
	if out, err := exec.Command("go", "build", "-o", unigo, "../../cmd/unigo").CombinedOutput(); err != nil {
		t.Fatalf("go build unigo: %v\n%s", err, out)
	}
	var progress bytes.Buffer
	r, err := Run(context.Background(), Config{Runs: 1, App: "../../examples/sigwait", Unigo: unigo,
		Out: filepath.Join(dir, "out"), Progress: &progress})
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
	for _, s := range r.Subjects {
		if s.NAWhy != "" || s.Fails > 0 {
			t.Errorf("%s: n/a %q, %d failures: %s", s.Key, s.NAWhy, s.Fails, s.Failed)
		}
	}
}
