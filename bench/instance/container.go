package instance

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
)

// The container baseline of the instance benchmark: the same static binary
// in a FROM scratch image, `docker run -d`, `docker stop`, `docker kill`;
// when no Docker engine answers, `runc run -d` of a minimal OCI bundle,
// `runc kill TERM` and `runc kill KILL`, each to the process's end.

// containerCycles prepares the container subject s and returns what to
// clean up at the end of the benchmark.
func containerCycles(ctx context.Context, cfg Config, app *harness.App, dir string, s *Subject) (func(), error) {
	s.Label = "container"
	s.NA["boot"] = "containers have no VMM"
	rt, err := harness.ChooseRuntime(ctx, cfg.Runtime)
	switch {
	case err != nil:
		return nil, err
	case rt.Docker:
		return dockerCycles(ctx, cfg, app, dir, rt.Version, s)
	}
	return nil, runcCycles(cfg, app, dir, rt, s)
}

func dockerCycles(ctx context.Context, cfg Config, app *harness.App, dir, version string, s *Subject) (func(), error) {
	s.Label = "Docker " + version
	tag, cleanup, err := harness.DockerImage(ctx, app, dir)
	if err != nil {
		return nil, err
	}
	s.How = fmt.Sprintf("Docker engine %s, an image built FROM scratch holding only the binary as /app; each container is removed (docker rm, not timed) after it ended; `docker kill` returns once the container has stopped", version)
	s.Commands = []string{"docker run -d --pull never --name NAME " + tag, "docker stop NAME", "docker kill NAME"}
	s.cycle = func(ctx context.Context, add func(string, float64)) error {
		for _, end := range []string{"stop", "kill"} {
			name := harness.UniqueName()
			start := time.Now()
			ret, _, err := harness.Timed(ctx, cfg.Timeout, nil, "docker", "run", "-d", "--pull", "never", "--name", name, tag)
			if err != nil {
				return err
			}
			rm := func() { _, _ = harness.Output(context.Background(), time.Minute, "docker", "rm", "-f", name) }
			at, err := dockerLineTime(ctx, name, app.Line, start.Add(cfg.Timeout))
			if err != nil {
				rm()
				return err
			}
			d, _, err := harness.Timed(ctx, cfg.Timeout, nil, "docker", end, name)
			if err != nil {
				rm()
				return err
			}
			st, err := harness.Output(ctx, 30*time.Second, "docker", "inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name)
			rm()
			if err != nil {
				return err
			}
			if want := map[string]string{"stop": "false 0", "kill": "false 137"}[end]; st != want {
				return fmt.Errorf("after docker %s the container's running and exit code are %q, want %q", end, st, want)
			}
			add("start_line", at.Sub(start).Seconds())
			add("start_return", ret.Seconds())
			add(end, d.Seconds())
		}
		return nil
	}
	return cleanup, nil
}

// dockerLineTime returns when the daemon logged the container's line: the
// time stamp of its record in the json-file log, read directly when this
// process may (root), else from `docker logs --timestamps`.
func dockerLineTime(ctx context.Context, name, line string, deadline time.Time) (time.Time, error) {
	path, err := harness.Output(ctx, 30*time.Second, "docker", "inspect", "-f", "{{.LogPath}}", name)
	if err == nil && path != "" {
		if f, err := os.Open(path); err == nil {
			f.Close()
			return waitLogLine(ctx, path, line, deadline)
		}
	}
	for {
		out, err := harness.Output(ctx, 30*time.Second, "docker", "logs", "--timestamps", name)
		if err != nil {
			return time.Time{}, err
		}
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			ts, text, _ := strings.Cut(sc.Text(), " ")
			if strings.Contains(text, line) {
				return time.Parse(time.RFC3339Nano, ts)
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%w waiting for %q in docker logs %s", measure.ErrTimeout, line, name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runcCycles: `runc run -d` of a minimal OCI bundle whose standard
// output is a file; the line is seen by polling that file, the end of the
// container by polling its process.
func runcCycles(cfg Config, app *harness.App, dir string, rt harness.Runtime, s *Subject) error {
	s.Label = "runc"
	runc, state := rt.Runc, filepath.Join(dir, "runc-state")
	bundle, rootfs, err := harness.RuncBundle(app, dir)
	if err != nil {
		return err
	}
	s.How = rt.Version + ": a minimal OCI bundle whose root file system holds only the binary as /app; its output goes to a file, polled every 2 ms for the line; stop and kill are `runc kill` with TERM and KILL, timed until the process has ended"
	s.Commands = []string{runc + " --root STATE run -d --bundle BUNDLE ID", runc + " kill ID TERM", runc + " kill ID KILL"}
	s.cycle = func(ctx context.Context, add func(string, float64)) error {
		for _, end := range []string{"stop", "kill"} {
			id := harness.UniqueName()
			inst := filepath.Join(bundle, id)
			if err := harness.WriteOCIConfig(inst, rootfs, 0, 0); err != nil {
				return err
			}
			err := runcOnce(ctx, cfg, runc, state, inst, id, app.Line, end, add)
			_, _ = harness.Output(context.Background(), 30*time.Second, runc, "--root", state, "delete", "-f", id)
			os.RemoveAll(inst)
			if err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

func runcOnce(ctx context.Context, cfg Config, runc, state, inst, id, line, end string, add func(string, float64)) error {
	outPath := filepath.Join(inst, "output")
	out, err := os.Create(outPath)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, runc, "--root", state, "run", "-d", "--bundle", inst, id)
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(outPath)
		return fmt.Errorf("runc run -d: %v: %s", err, measure.LastLines(strings.TrimSpace(string(b)), 3))
	}
	ret := time.Since(start)
	var at time.Time
	for deadline := start.Add(cfg.Timeout); ; time.Sleep(2 * time.Millisecond) {
		if b, _ := os.ReadFile(outPath); strings.Contains(string(b), line) {
			at = time.Now()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w waiting for %q from the runc container", measure.ErrTimeout, line)
		}
	}
	pid, err := harness.RuncPID(ctx, runc, state, id)
	if err != nil {
		return err
	}
	sig := map[string]string{"stop": "TERM", "kill": "KILL"}[end]
	t0 := time.Now()
	if _, err := harness.Output(ctx, cfg.Timeout, runc, "--root", state, "kill", id, sig); err != nil {
		return err
	}
	for deadline := t0.Add(cfg.Timeout); harness.ProcessLives(pid); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: the runc container's process %d lives on after SIG%s", measure.ErrTimeout, pid, sig)
		}
	}
	add("start_line", at.Sub(start).Seconds())
	add("start_return", ret.Seconds())
	add(end, time.Since(t0).Seconds())
	return nil
}
