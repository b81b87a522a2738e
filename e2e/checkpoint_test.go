package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// unigo checkpoint and unigo start --checkpoint: a running app's memory
// (a request counter) survives a checkpoint and a resume, its wall clock
// jumps to now and it gets SIGCONT, --leave-running keeps it serving, each
// checkpoint resumes its own state, and a missing or damaged checkpoint is
// refused clearly.
func TestCheckpoint(t *testing.T) {
	root := t.TempDir()
	in(t, root, "build", "-t", "counter:v1", "./e2e/testdata/counter").expect(t, 0)
	t.Cleanup(func() { removeAll(t, root) })
	port := freePort(t)
	in(t, root, "run", "-d", "--name", "c", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), "counter:v1").expect(t, 0)

	cl := &http.Client{Timeout: 10 * time.Second}
	count := func() (int, time.Duration) { t.Helper(); return askCounter(t, port) }
	// resumed waits for the app to have been resumed (SIGCONT) want times.
	resumed := func(want int) {
		t.Helper()
		var got int
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/resumed", port))
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if _, err := fmt.Sscanf(string(b), "resumed %d", &got); err == nil && got == want {
				return
			}
		}
		t.Errorf("the app was resumed %d times, want %d", got, want)
	}
	resumed(0)
	for want := 1; want <= 3; want++ {
		if n, _ := count(); n != want {
			t.Fatalf("request %d: count %d", want, n)
		}
	}

	// A checkpoint ends the instance; a resume goes on counting, with the
	// wall clock of now although the app's clocks stood still meanwhile.
	in(t, root, "checkpoint", "c").expect(t, 0, "last")
	st := inspect(t, root, "c")
	if st.Status != "exited" || st.Exit == nil || st.Exit.Reason != "checkpointed" || st.Exit.Code != 0 ||
		!strings.Contains(st.Exit.Detail, "unigo start --checkpoint last c") {
		t.Fatalf("after unigo checkpoint: %+v %+v", st, st.Exit)
	}
	checkNoProcesses(t, root)
	time.Sleep(3 * time.Second)
	in(t, root, "start", "--checkpoint", "last", "c").expect(t, 0, "c")
	resumed(1)
	n, skew := count()
	if n != 4 {
		t.Errorf("after the resume: count %d, want 4 (the count in memory went on)", n)
	}
	if skew < -2*time.Second || skew > 2*time.Second {
		t.Errorf("after the resume the app's wall clock is %v off the host's: the jump was not made", skew)
	}

	// --leave-running: the checkpoint is written and the app serves on.
	in(t, root, "checkpoint", "--leave-running", "c", "four").expect(t, 0, "four")
	if st := inspect(t, root, "c"); st.Status != "running" {
		t.Fatalf("after --leave-running: %s", st.State)
	}
	resumed(2) // its clocks stood still while the checkpoint was written
	if n, skew := count(); n != 5 || skew < -2*time.Second || skew > 2*time.Second {
		t.Errorf("after --leave-running: count %d (want 5), clock %v off", n, skew)
	}
	ls := in(t, root, "checkpoint", "ls", "c")
	ls.expect(t, 0, "CHECKPOINT", "last", "four")

	// Each checkpoint resumes its own state, as often as asked.
	in(t, root, "stop", "c").expect(t, 0)
	for range 2 {
		in(t, root, "start", "--checkpoint", "four", "c").expect(t, 0)
		resumed(2) // once before the checkpoint, once now
		if n, _ := count(); n != 5 {
			t.Errorf("resumed from four: count %d, want 5", n)
		}
		in(t, root, "kill", "c").expect(t, 0)
	}
	// A plain start boots afresh.
	in(t, root, "start", "c").expect(t, 0)
	resumed(0)
	if n, _ := count(); n != 1 {
		t.Errorf("after a plain start: count %d, want 1", n)
	}
	in(t, root, "kill", "c").expect(t, 0)

	// Bad input: no such checkpoint; a damaged one; nothing starts.
	in(t, root, "start", "--checkpoint", "nine", "c").expect(t, 125, `stderr:instance c has no checkpoint "nine"`)
	state := filepath.Join(root, "instances", "c", "checkpoints", "last", "state")
	must(t, os.WriteFile(state, []byte("not a checkpoint at all"), 0o644))
	r := in(t, root, "start", "--checkpoint", "last", "c")
	if r.code == 0 || !strings.Contains(r.stderr, "is not a checkpoint") {
		t.Errorf("a damaged checkpoint: %v", r)
	}
	if st := inspect(t, root, "c"); st.Status == "running" {
		t.Errorf("an instance started from a damaged checkpoint runs")
	}
	in(t, root, "checkpoint", "rm", "c", "last").expect(t, 0)
	if ls := in(t, root, "checkpoint", "ls", "c"); strings.Contains(ls.stdout, "last") || !strings.Contains(ls.stdout, "four") {
		t.Errorf("after checkpoint rm:\n%v", ls)
	}
	// Only a running instance can be checkpointed.
	in(t, root, "checkpoint", "c").expect(t, 125, "stderr:is not running")
}

// A checkpoint of an instance with a volume resumes while the volume's
// disk is as the checkpoint left it, and is refused once it was written
// since: the app's view of its file system would corrupt it.
func TestCheckpointVolume(t *testing.T) {
	root := t.TempDir()
	in(t, root, "build", "-t", "counter:v1", "./e2e/testdata/counter").expect(t, 0)
	t.Cleanup(func() { removeAll(t, root) })
	in(t, root, "volume", "create", "cv", "--size", "16M").expect(t, 0)
	port := freePort(t)
	in(t, root, "run", "-d", "--name", "cv", "-v", "cv:/data", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), "counter:v1").expect(t, 0)
	count := func() int { t.Helper(); n, _ := askCounter(t, port); return n }
	count()
	count()
	// While the disk is as the checkpoint left it, the checkpoint resumes.
	in(t, root, "checkpoint", "cv", "two").expect(t, 0)
	in(t, root, "start", "--checkpoint", "two", "cv").expect(t, 0)
	// The resumed app writes the volume (and its kernel may write what it
	// had pending): "two" no longer matches it.
	if n := count(); n != 3 {
		t.Errorf("resumed: count %d, want 3", n)
	}
	in(t, root, "kill", "cv").expect(t, 0)
	r := in(t, root, "start", "--checkpoint", "two", "cv")
	if r.code == 0 || !strings.Contains(r.stderr, "was written since the checkpoint") {
		t.Errorf("resuming a checkpoint whose volume was written since: %v", r)
	}
	if st := inspect(t, root, "cv"); st.Status == "running" {
		t.Errorf("it runs")
	}
	// A plain start boots afresh on the volume as it is.
	in(t, root, "start", "cv").expect(t, 0)
	if n := count(); n != 1 {
		t.Errorf("booted afresh: count %d, want 1", n)
	}
}

// askCounter asks the counter app on port once, waiting up to a minute
// for it to answer, and returns its count and how far its wall clock is
// from the host's.
func askCounter(t *testing.T, port int) (int, time.Duration) {
	t.Helper()
	cl := &http.Client{Timeout: 10 * time.Second}
	var last error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			last = err
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var n, resumed int
		var at int64
		if _, err := fmt.Sscanf(string(b), "count %d time %d resumed %d", &n, &at, &resumed); err != nil {
			t.Fatalf("the app answered %q: %v", b, err)
		}
		return n, time.Since(time.Unix(0, at))
	}
	t.Fatalf("the app does not answer: %v", last)
	return 0, 0
}
