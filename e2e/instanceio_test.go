package e2e

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/launch"
)

// An instance's console can go to FIFOs besides its log, as an OCI shim's
// stdio does: the instance API with the monitor of the unigo binary, a
// stored image that prints and handles SIGTERM, the FIFOs read as a
// container engine reads them.
func TestInstanceConsoleToFIFOs(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	dir := t.TempDir()
	stdout, stderr := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	for _, p := range []string{stdout, stderr} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The reader first, as the engine opens its FIFOs before it creates the
	// container; O_RDWR keeps the open from waiting for a writer.
	out, err := os.OpenFile(stdout, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	errf, err := os.OpenFile(stderr, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()

	is := instance.Open(root)
	is.MonitorCommand = []string{unigoBin, instance.MonitorArg}
	cfg, img, err := launch.Resolve(context.Background(), launch.Env{Root: root}, launch.Config{Image: "sigterm"})
	if err != nil {
		t.Fatal(err)
	}
	img.Close()
	if _, err := is.Run(context.Background(), "fifo", cfg, instance.IO{Stdout: stdout, Stderr: stderr}); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	expectLine := func(want string) {
		t.Helper()
		select {
		case l := <-lines:
			if strings.TrimRight(l, "\r") != want {
				t.Fatalf("stdout FIFO: %q, want %q", l, want)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("no %q on the stdout FIFO", want)
		}
	}
	expectLine("ready")
	if _, err := is.Stop("fifo", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	expectLine("got terminated")
	// The log has it all too.
	in(t, root, "logs", "fifo").expect(t, 0, "ready\ngot terminated\n")
	st, err := is.Get("fifo")
	if err != nil || st.IO.Stdout != stdout || st.Summary != "exited (0)" {
		t.Errorf("state %+v, %v", st, err)
	}

	// A FIFO nobody reads is refused at once, not waited on.
	lonely := filepath.Join(dir, "lonely")
	syscall.Mkfifo(lonely, 0o600)
	_, err = is.Run(context.Background(), "nobody", cfg, instance.IO{Stdout: lonely})
	if err == nil || !strings.Contains(err.Error(), "a FIFO needs its reader first") {
		t.Errorf("a FIFO without a reader: %v", err)
	}
}
