package compare

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
)

// The container subject: the same plain binary in a `FROM scratch` image
// run by the Docker engine, or, when no engine answers, in a minimal OCI
// bundle run by runc.

// container makes s the container of the runtime the configuration asks
// for.
func (e *env) container(ctx context.Context, s *Subject) {
	rt, err := harness.ChooseRuntime(ctx, e.cfg.Runtime)
	switch {
	case err != nil:
		s.NAWhy = err.Error()
	case rt.Docker:
		e.docker(s, rt.Version)
	default:
		e.runc(s, rt)
	}
}

// docker builds a FROM scratch image of the app and runs it with
// `docker run`.
func (e *env) docker(s *Subject, version string) {
	s.Label = "container (Docker)"
	s.prepare = func(ctx context.Context, app *harness.App) (*artifact, error) {
		tag, remove, err := harness.DockerImage(ctx, app, e.dir)
		if err != nil {
			return nil, err
		}
		e.cleanups = append(e.cleanups, remove)
		a := &artifact{
			Artifact: harness.Artifact{How: fmt.Sprintf("Docker engine %s: `docker run --rm` of an image built FROM scratch holding only the binary as /app", version)},
			command:  []string{"docker", "run", "--rm", "--pull", "never", "--name", "NAME", tag},
			memory:   &measure.MemorySearch{Limit: "docker run --memory", Lo: 6, LoWhy: "Docker refuses less"},
		}
		sz, err := harness.Output(ctx, 30*time.Second, "docker", "image", "inspect", "-f", "{{.Size}}", tag)
		if err != nil {
			return nil, err
		}
		if a.sizeBytes, err = strconv.ParseInt(sz, 10, 64); err != nil {
			return nil, fmt.Errorf("docker image inspect: size %q", sz)
		}
		a.sizeNote = "docker image inspect .Size of " + tag
		a.Parts = []harness.Part{{Name: "image " + tag, Bytes: a.sizeBytes, Counted: true}}
		a.entries, a.entriesErr = dockerEntries(ctx, tag)
		a.start = func(ctx context.Context, memMiB, port int) (*harness.Watched, error) {
			return dockerStart(ctx, tag, app, memMiB, port)
		}
		return a, nil
	}
	s.surface = entriesSurface("the container's file system (docker export)")
	s.syscalls = func(ctx context.Context, idle *harness.Watched) measure.Metric {
		if idle == nil {
			return measure.NA("calls", "n/a: the seccomp filter of a running container is read from its idle instance, and there was none (idle measurement skipped)")
		}
		return e.processSyscalls(ctx, idle, 0)
	}
}

// dockerStart runs a container of the image tag: `docker run --rm`, its
// output watched through the client's.
func dockerStart(ctx context.Context, tag string, app *harness.App, memMiB, port int) (*harness.Watched, error) {
	name := harness.UniqueName()
	args := []string{"run", "--rm", "--pull", "never", "--name", name}
	if memMiB > 0 {
		args = append(args, fmt.Sprintf("--memory=%dm", memMiB), fmt.Sprintf("--memory-swap=%dm", memMiB))
	}
	hostPort := 0
	if port > 0 {
		var err error
		if hostPort, err = harness.FreePort(); err != nil {
			return nil, err
		}
		args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:%d", hostPort, port), "-e", fmt.Sprintf("PORT=%d", port))
	}
	cmd := exec.CommandContext(ctx, "docker", append(args, tag)...)
	w := harness.NewWatched(cmd, harness.LineMatcher(app.Line))
	cmd.Stdout, cmd.Stderr = w.Console(), w.Console()
	if err := w.Start(); err != nil {
		return nil, err
	}
	w.Addr = fmt.Sprintf("127.0.0.1:%d", hostPort)
	w.AppPID = func() (int, error) {
		s, err := harness.Output(ctx, 10*time.Second, "docker", "inspect", "-f", "{{.State.Pid}}", name)
		if err != nil {
			return 0, err
		}
		pid, err := strconv.Atoi(s)
		if err == nil && pid <= 0 {
			err = fmt.Errorf("container %s is not running", name)
		}
		return pid, err
	}
	w.Procs = func() ([]int, string, error) {
		pid, err := w.AppPID()
		if err != nil {
			return nil, "", err
		}
		shim, err := harness.ProcParent(pid)
		if err != nil {
			return nil, "", err
		}
		return []int{pid, shim}, "the app's process and its " + harness.ProcName(shim), nil
	}
	w.OnStop(func() {
		if w.Running() {
			_, _ = harness.Output(context.Background(), 30*time.Second, "docker", "rm", "-f", name)
		}
	}, nil)
	return w, nil
}

// dockerEntries lists the file system of a container of the image, as
// `docker export` writes it.
func dockerEntries(ctx context.Context, tag string) ([]entry, error) {
	name := harness.UniqueName()
	if _, err := harness.Output(ctx, 30*time.Second, "docker", "create", "--pull", "never", "--name", name, tag); err != nil {
		return nil, err
	}
	defer harness.Output(context.Background(), 30*time.Second, "docker", "rm", "-f", name)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "export", name)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	entries, terr := tarEntries(out)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("docker export: %w", err)
	}
	return entries, terr
}

// runc runs the app in a minimal OCI bundle: the binary as the whole root
// file system, its own PID, IPC, UTS and mount namespaces, the host's
// network.
func (e *env) runc(s *Subject, rt harness.Runtime) {
	s.Label = "container (runc)"
	runc, state := rt.Runc, filepath.Join(e.dir, "runc-state")
	s.prepare = func(ctx context.Context, app *harness.App) (*artifact, error) {
		bundle, rootfs, err := harness.RuncBundle(app, e.dir)
		if err != nil {
			return nil, err
		}
		a := &artifact{
			Artifact: harness.Artifact{How: fmt.Sprintf("%s: `runc run` of a minimal OCI bundle whose root file system holds only the binary as /app (PID, IPC, UTS and mount namespaces; the host's network; no seccomp filter)", rt.Version)},
			command:  []string{runc, "--root", state, "run", "--bundle", bundle + "/ID", "ID"},
			memory:   &measure.MemorySearch{Limit: "OCI memory limit (cgroup)", Lo: 1},
		}
		a.Parts = []harness.Part{{Name: "rootfs/app", Path: filepath.Join(rootfs, "app"), Bytes: app.Size, Counted: true}}
		a.sizeNote = "the bundle's root file system (config.json is written per run)"
		a.entries, a.entriesErr = dirEntries(rootfs)
		a.start = func(ctx context.Context, memMiB, port int) (*harness.Watched, error) {
			id := harness.UniqueName()
			inst := filepath.Join(bundle, id)
			if err := harness.WriteOCIConfig(inst, rootfs, memMiB, port); err != nil {
				return nil, err
			}
			cmd := exec.CommandContext(ctx, runc, "--root", state, "run", "--bundle", inst, id)
			w := harness.NewWatched(cmd, harness.LineMatcher(app.Line))
			cmd.Stdout, cmd.Stderr = w.Console(), w.Console()
			if err := w.Start(); err != nil {
				os.RemoveAll(inst)
				return nil, err
			}
			runcPID := w.Pid()
			w.Addr = fmt.Sprintf("127.0.0.1:%d", port)
			w.AppPID = func() (int, error) { return harness.RuncPID(ctx, runc, state, id) }
			w.Procs = func() ([]int, string, error) {
				pid, err := w.AppPID()
				if err != nil {
					return nil, "", err
				}
				return []int{pid, runcPID}, "the app's process and `runc run`", nil
			}
			w.OnStop(func() {
				_, _ = harness.Output(context.Background(), 30*time.Second, runc, "--root", state, "kill", id, "KILL")
				_, _ = harness.Output(context.Background(), 30*time.Second, runc, "--root", state, "delete", "-f", id)
				os.RemoveAll(inst)
			}, nil)
			return w, nil
		}
		return a, nil
	}
	s.surface = entriesSurface("the bundle's root file system")
	s.syscalls = func(ctx context.Context, idle *harness.Watched) measure.Metric {
		return e.processSyscalls(ctx, idle, os.Getpid())
	}
}
