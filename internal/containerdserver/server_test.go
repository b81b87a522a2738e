package containerdserver

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Starting a real containerd takes root and its bridge, which the e2e
// containerd tests use too: only on request, never beside them.
var run = flag.Bool("containerd.run", false, "TestStopReportsLeftovers: start a private containerd for real (root; not while the e2e containerd tests run)")

// A process of the server's that outlives containerd is killed by Stop and
// reported, so that a test fails on it; the directory goes.
func TestStopReportsLeftovers(t *testing.T) {
	if !*run {
		t.Skip("starts a containerd: go test ./internal/containerdserver -containerd.run")
	}
	dir := filepath.Join(t.TempDir(), "cd")
	s, err := Start(dir, t.TempDir(), "docker.io/unigo-test/pause:v1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if out, code, err := s.Ctr(context.Background(), "images", "ls"); err != nil || code != 0 {
		t.Fatalf("ctr images ls: %d %v\n%s", code, err, out)
	}
	if _, err := s.Crictl(context.Background(), "pods"); err != nil {
		t.Fatal(err)
	}
	// A process whose command line names the server's directory, as a
	// shim's does.
	sleep := filepath.Join(dir, "sleep")
	b, err := os.ReadFile("/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sleep, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sleep, "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if got := s.Shims(); len(got) != 1 || got[0] != cmd.Process.Pid {
		t.Errorf("Shims() = %v, want [%d]", got, cmd.Process.Pid)
	}
	// A container's cgroup left in CRI's cgroup parent, as a VM that
	// outlived its pod leaves it (cgroup v1's pids hierarchy, where
	// there is one and no k8s.io was there before).
	var cg string
	if _, err := os.Stat("/sys/fs/cgroup/pids/k8s.io"); os.IsNotExist(err) && !slices.Contains(s.cgroupsBefore, "/sys/fs/cgroup/pids/k8s.io") {
		cg = "/sys/fs/cgroup/pids/k8s.io/unigo-test"
		if err := os.MkdirAll(cg, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	left := s.Stop()
	cmd.Wait()
	want := 1
	if cg != "" {
		want = 2
	}
	if len(left) != want || !strings.Contains(left[0], "left behind") || !strings.Contains(left[0], sleep) {
		t.Errorf("Stop() = %q, want the sleep process reported", left)
	}
	if cg != "" {
		if len(left) == 2 && left[1] != "the cgroup "+cg+" was left behind: removed" {
			t.Errorf("Stop() = %q, want the cgroup %s reported", left, cg)
		}
		if _, err := os.Stat(filepath.Dir(cg)); !os.IsNotExist(err) {
			t.Errorf("%s is still there after Stop: %v", filepath.Dir(cg), err)
		}
	}
	if cmd.ProcessState == nil || cmd.ProcessState.Success() {
		t.Errorf("the left process was not killed: %v", cmd.ProcessState)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after Stop: %v", dir, err)
	}
	if !strings.Contains(s.Log(), "containerd successfully booted") {
		t.Errorf("containerd's log after Stop:\n%s", tail(s.Log(), 2000))
	}
}
