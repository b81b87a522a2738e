package harness

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"unigo.dev/unigo/bench"
)

// The helper program (bench/helper) runs inside the baselines: it counts a
// kernel's system calls, it puts a native process in a memory cgroup, and
// it is the Linux microVM's /init when the app needs a network or a disk.

// HelperErrorPrefix starts the helper's own failures (as the Linux
// guest's /init: a disk it could not mount), after which the app does not
// run.
const HelperErrorPrefix = "unigo-bench: "

// BuildHelper writes the helper's source under dir and builds it there.
func BuildHelper(ctx context.Context, dir string) (string, error) {
	src := filepath.Join(dir, "helper-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	files := map[string][]byte{"go.mod": []byte("module unigo.dev/unigo-bench-helper\n\ngo 1.22\n")}
	ents, err := bench.HelperSource.ReadDir("helper")
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		b, err := bench.HelperSource.ReadFile("helper/" + e.Name())
		if err != nil {
			return "", err
		}
		files[e.Name()] = b
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(src, n), b, 0o644); err != nil {
			return "", err
		}
	}
	app, err := BuildApp(ctx, src, dir, "GOWORK=off", "GOFLAGS=-mod=mod")
	if err != nil {
		return "", fmt.Errorf("building the benchmark's helper: %w", err)
	}
	return app.Binary, nil
}

// syscallsLine is how the helper reports its count.
const syscallsLine = "unigo-bench: syscalls "

// ParseSyscallsLine reads the helper's count from its line.
func ParseSyscallsLine(s string) (int, bool) {
	i := strings.Index(s, syscallsLine)
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+len(syscallsLine):])
	if len(f) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(f[0])
	return n, err == nil && n > 0
}

// HostSyscalls counts the system calls the host kernel has compiled in,
// by running the helper in a private mount namespace (it mounts tracefs
// there when the host has not).
func HostSyscalls(ctx context.Context, helper string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, helper, "syscalls")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if n, ok := ParseSyscallsLine(sc.Text()); ok {
			return n, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("it printed %q", strings.TrimSpace(out.String()))
	} else if s := strings.TrimSpace(out.String()); s != "" {
		err = fmt.Errorf("%v: %s", err, s)
	}
	return 0, fmt.Errorf("counting the host kernel's system calls (tracefs, needs root): %w", err)
}
