package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/vmm/qemu"
)

// Process is an app's binary run as a host process.
type Process struct {
	Binary string
	Args   []string
	Dir    string   // its working directory; "": this process's
	Env    []string // added to this process's environment
	Match  func(string) bool
	// Helper is the benchmark's helper (BuildHelper), which starts the
	// process in a memory cgroup when a start limits its memory.
	Helper string
}

// Start starts the process, its output watched for the app's line, with
// its memory limited to memMiB (0: not limited) and $PORT set to port (0:
// not set), args added to its arguments.
func (n Process) Start(ctx context.Context, memMiB, port int, args ...string) (*Watched, error) {
	argv := append(append([]string{n.Binary}, n.Args...), args...)
	var cg *memCgroup
	if memMiB > 0 {
		var err error
		if cg, err = newMemCgroup(memMiB); err != nil {
			return nil, err
		}
		argv = append([]string{n.Helper, "cgexec", cg.procs()}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = n.Dir
	cmd.Env = append(os.Environ(), n.Env...)
	if port > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("PORT=%d", port))
	}
	w := NewWatched(cmd, n.Match)
	cmd.Stdout, cmd.Stderr = w.Console(), w.Console()
	if err := w.Start(); err != nil {
		if cg != nil {
			cg.remove()
		}
		return nil, err
	}
	pid := w.Pid()
	w.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	w.Procs = func() ([]int, string, error) { return []int{pid}, "the app's process", nil }
	w.AppPID = func() (int, error) { return pid, nil }
	if cg != nil {
		w.OnStop(nil, cg.remove)
	}
	return w, nil
}

// Timed runs a command to its end and returns how long it took and its
// standard output.
func Timed(ctx context.Context, timeout time.Duration, env []string, name string, args ...string) (time.Duration, string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		msg := strings.TrimSpace(errOut.String() + out.String())
		return d, "", fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, measure.LastLines(msg, 3))
	}
	return d, strings.TrimSpace(out.String()), nil
}

// UnigoBinary is the absolute path of the unigo binary a benchmark times.
func UnigoBinary(path string) (string, error) {
	bin, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("the unigo binary %s: %w", path, err)
	}
	return filepath.Abs(bin)
}

// CLIWorkspace makes the artifacts directory under out and finds the unigo
// binary of a benchmark that drives the unigo command.
func CLIWorkspace(out, unigo string) (artifacts, bin string, err error) {
	artifacts = filepath.Join(out, "artifacts")
	if err := Mkdirs(artifacts); err != nil {
		return "", "", err
	}
	bin, err = UnigoBinary(unigo)
	return artifacts, bin, err
}

// PrivateRoot checks the accelerator a benchmark's instances ask for and
// returns the unigo root under out that they live in, apart from the
// user's.
func PrivateRoot(out, accel string) (string, error) {
	if _, err := qemu.ChooseAccel(accel); err != nil {
		return "", err
	}
	return filepath.Abs(filepath.Join(out, "unigo-root"))
}
