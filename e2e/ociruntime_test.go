package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The runtime's contract as containerd's runc shim drives it, without
// Docker: create (the container process waits), state, start, the app's
// output on the container's stdout, the container process's exit status as
// the app's, delete; and bad bundles, each one clear error in the --log
// file as containerd reads it.
func TestOCIRuntimeContract(t *testing.T) {
	t.Parallel()
	root, stateRoot := t.TempDir(), t.TempDir()
	in(t, root, "build", "-t", "exitcode:v1", "./e2e/testdata/exitcode").expect(t, 0)
	archive := filepath.Join(t.TempDir(), "img.tar")
	in(t, root, "save", "-o", archive, "exitcode:v1").expect(t, 0)
	// The bundle's rootfs is the image's layer unpacked, as an engine does.
	bundle := t.TempDir()
	rootfs := filepath.Join(bundle, "rootfs")
	os.MkdirAll(rootfs, 0o755)
	unpack := exec.Command("sh", "-c", "tar -xOf "+archive+" --wildcards '*.tar.gz' | tar -xz -C "+rootfs)
	if out, err := unpack.CombinedOutput(); err != nil {
		t.Fatalf("unpacking the layer: %v\n%s", err, out)
	}
	writeConfig := func(args []string) {
		cfg := map[string]any{
			"ociVersion": "1.0.2",
			"root":       map[string]any{"path": "rootfs"},
			"process":    map[string]any{"args": args, "env": []string{"GREETING=hi"}, "cwd": "/"},
		}
		b, _ := json.Marshal(cfg)
		os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o644)
	}
	writeConfig([]string{"/.unigo/kernel", "7"})
	logFile := filepath.Join(t.TempDir(), "log.json")
	// Like the shim, it hands the runtime files (not pipes it waits on):
	// the container process inherits them and outlives create.
	rt := func(stdout *os.File, args ...string) (string, error) {
		cmd := exec.Command(unigoBin, append([]string{"runtime", "--root", stateRoot, "--log", logFile, "--log-format", "json"}, args...)...)
		errFile, err := os.CreateTemp(t.TempDir(), "stderr")
		if err != nil {
			t.Fatal(err)
		}
		defer errFile.Close()
		cmd.Stderr, cmd.Stdout = errFile, errFile
		if stdout != nil {
			cmd.Stdout = stdout
		}
		err = cmd.Run()
		out, _ := os.ReadFile(errFile.Name())
		return string(out), err
	}
	console, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "init.pid")
	if out, err := rt(console, "create", "--bundle", bundle, "--pid-file", pidFile, "c1"); err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	state := func() (string, int) {
		out, err := rt(nil, "state", "c1")
		if err != nil {
			t.Fatalf("state: %v\n%s", err, out)
		}
		var st struct {
			Status string `json:"status"`
			Pid    int    `json:"pid"`
		}
		json.Unmarshal([]byte(out), &st)
		return st.Status, st.Pid
	}
	status, pid := state()
	pidText, _ := os.ReadFile(pidFile)
	if status != "created" || pid == 0 || strings.TrimSpace(string(pidText)) != strconv.Itoa(pid) {
		t.Fatalf("after create: status %s, pid %d, pid file %q", status, pid, pidText)
	}
	if out, err := rt(nil, "start", "c1"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	// The container process is not this test's child (it was started by
	// create, as for the shim, a subreaper); it ends with the app.
	waitFor(t, "the container to stop", 60*time.Second, func() bool { s, _ := state(); return s == "stopped" })
	if out, _ := os.ReadFile(console.Name()); !strings.Contains(string(out), "exiting with 7") {
		t.Errorf("the container's stdout: %q", out)
	}
	if out, err := rt(nil, "exec", "c1"); err == nil || !strings.Contains(out, "not possible in a unikernel") {
		t.Errorf("exec: %v %s", err, out)
	}
	if out, err := rt(nil, "delete", "c1"); err != nil {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(stateRoot, "c1")); !os.IsNotExist(err) {
		t.Errorf("the container's state is still there: %v", err)
	}

	// Bad input: each a clear error, in the log as containerd reads it.
	for _, tc := range []struct {
		setup func() string // the bundle
		want  string
	}{
		{func() string { return filepath.Join(t.TempDir(), "vanished") }, "cannot read the bundle's config.json"},
		{func() string {
			b := t.TempDir()
			os.WriteFile(filepath.Join(b, "config.json"), []byte("{not json"), 0o644)
			return b
		}, "config.json is not valid"},
		{func() string {
			b := t.TempDir()
			os.MkdirAll(filepath.Join(b, "rootfs"), 0o755)
			os.WriteFile(filepath.Join(b, "config.json"), []byte(`{"root":{"path":"rootfs"},"process":{"args":["/app"]}}`), 0o644)
			return b
		}, "holds no unigo image"},
	} {
		os.Remove(logFile)
		out, err := rt(nil, "create", "--bundle", tc.setup(), "bad")
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("create: %v %s, want %q", err, out, tc.want)
		}
		log, _ := os.ReadFile(logFile)
		var rec struct{ Level, Msg string }
		if json.Unmarshal(log, &rec); rec.Level != "error" || !strings.Contains(rec.Msg, tc.want) {
			t.Errorf("the log file has %q, want an error record with %q", log, tc.want)
		}
		if _, err := os.Stat(filepath.Join(stateRoot, "bad")); !os.IsNotExist(err) {
			t.Errorf("a failed create left its state behind")
		}
	}
	if out, err := rt(nil, "state", "nosuch"); err == nil || !strings.Contains(out, "does not exist") {
		t.Errorf("state of an unknown container: %v %s", err, out)
	}
}
