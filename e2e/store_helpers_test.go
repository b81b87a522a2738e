package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Images and instances: each test gets a unigo root of its own (UNIGO_ROOT),
// holding copies of the test apps' images, which are built once per run.

var (
	storeOnce sync.Once
	storeDir  string // a root with every image of storeApps
	storeErr  string
)

// storeApps are the images every test root has: NAME → package.
var storeApps = map[string]string{
	"sigterm":    "./e2e/testdata/sigterm",
	"idle":       "./e2e/testdata/idle",
	"exitcode":   "./e2e/testdata/exitcode",
	"ignoreterm": "./e2e/testdata/ignoreterm",
	"hoard":      "./e2e/testdata/hoard",
	"volapp":     "./e2e/testdata/volapp",
	"netconf":    "./e2e/testdata/netconf",
	"mapfiles":   "./e2e/testdata/mapfiles",
	"boltkv":     "./e2e/testdata/boltkv",
}

// newRoot returns a fresh unigo root holding the test images; the test's
// instances are removed (and their processes checked gone) at its end.
func newRoot(t *testing.T) string {
	t.Helper()
	storeOnce.Do(func() {
		storeDir = filepath.Join(imageDir, "root")
		for name, pkg := range storeApps {
			if r := unigo(t, []string{"UNIGO_ROOT=" + storeDir}, "build", "-t", name, pkg); r.code != 0 {
				storeErr += r.String()
			}
		}
	})
	if storeErr != "" {
		t.Fatalf("building the test images:\n%s", storeErr)
	}
	root := t.TempDir()
	if err := copyTree(filepath.Join(storeDir, "images"), filepath.Join(root, "images")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeAll(t, root) })
	return root
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// in runs the unigo command with root as its UNIGO_ROOT.
func in(t *testing.T, root string, args ...string) result {
	t.Helper()
	return unigo(t, []string{"UNIGO_ROOT=" + root}, args...)
}

// removeAll removes every instance of root and checks that no process of
// them is left.
func removeAll(t *testing.T, root string) {
	for _, st := range instances(t, root) {
		in(t, root, "rm", "-f", st.Name)
	}
	checkNoProcesses(t, root)
}

// checkNoProcesses fails the test if processes of root's instances are
// still there after a moment (a monitor answers a moment before it exits).
func checkNoProcesses(t *testing.T, root string) {
	t.Helper()
	var left []string
	for i := 0; i < 50; i++ {
		if left = processesOf(root); len(left) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("processes left behind: %v", left)
}

// state is what the tests read of `unigo inspect` of an instance.
type state struct {
	Name       string
	Status     string // the phase: running, exited...
	State      string // as ps shows it
	BootTimeMs float64
	Restarts   int
	Monitor    struct{ Pid int }
	QEMU       struct{ Pid int }
	Exit       *struct {
		Code      int
		Reason    string
		Detail    string
		LastLines []string
	}
}

// UnmarshalJSON reads the state as inspect prints it: the spec (what was
// asked) and the status (what happened) apart.
func (st *state) UnmarshalJSON(b []byte) error {
	var v struct {
		Name   string `json:"name"`
		Status struct {
			Phase      string  `json:"phase"`
			Summary    string  `json:"summary"`
			BootTimeMs float64 `json:"bootTimeMs"`
			Restarts   int     `json:"restarts"`
			Monitor    struct{ Pid int }
			VMM        struct{ Pid int }
			Exit       *struct {
				Code      int
				Reason    string
				Detail    string
				LastLines []string
			}
		} `json:"status"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s := v.Status
	*st = state{Name: v.Name, Status: s.Phase, State: s.Summary, BootTimeMs: s.BootTimeMs, Restarts: s.Restarts,
		Monitor: s.Monitor, QEMU: s.VMM, Exit: s.Exit}
	return nil
}

// inspect returns the state of an instance.
func inspect(t *testing.T, root, name string) state {
	t.Helper()
	r := in(t, root, "inspect", "--type", "instance", name)
	var st state
	if err := unmarshalFirst(r.stdout, &st); r.code != 0 || err != nil {
		t.Fatalf("unigo inspect %s: %v\n%v", name, err, r)
	}
	return st
}

// unmarshalFirst decodes the first element of the JSON array in s.
func unmarshalFirst(s string, v any) error {
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(s), &arr); err != nil {
		return err
	}
	if len(arr) == 0 {
		return fmt.Errorf("an empty array")
	}
	return json.Unmarshal(arr[0], v)
}

// instances lists root's instances through the state files.
func instances(t *testing.T, root string) []state {
	ents, _ := os.ReadDir(filepath.Join(root, "instances"))
	var out []state
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, state{Name: e.Name()})
		}
	}
	return out
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processesOf lists the processes (pid: command line) whose command line
// mentions root: monitors (by their UNIGO_ROOT they do not, so by their
// directory) and QEMUs (their -kernel is in root).
func processesOf(root string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if strings.Trim(e.Name(), "0123456789") != "" {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			continue // a zombie: dead, waiting for its parent
		}
		if strings.Contains(string(cmdline), root) || strings.HasPrefix(cwd, root) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}
