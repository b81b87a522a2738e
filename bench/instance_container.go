package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The container baseline of the instance benchmark: the same static binary
// in a FROM scratch image, `docker run -d`, `docker stop`, `docker kill`;
// when no Docker engine answers, `runc run -d` of a minimal OCI bundle,
// `runc kill TERM` and `runc kill KILL`, each to the process's end.

// containerInstances prepares the container subject s and returns what to
// clean up at the end of the benchmark.
func containerInstances(ctx context.Context, cfg InstanceConfig, app *goApp, dir string, s *InstanceSubject) (func(), error) {
	s.Label = "container"
	s.na["boot"] = "containers have no VMM"
	var why []string
	if cfg.Runtime == RuntimeAuto || cfg.Runtime == RuntimeDocker {
		v, err := dockerVersion(ctx)
		if err == nil {
			return dockerInstances(ctx, cfg, app, dir, v, s)
		}
		why = append(why, "the Docker engine does not answer ("+err.Error()+")")
	}
	if cfg.Runtime == RuntimeAuto || cfg.Runtime == RuntimeRunc {
		if p, err := exec.LookPath("runc"); err == nil {
			return runcInstances(ctx, cfg, app, dir, p, s)
		}
		why = append(why, "runc is not installed (apt-get install runc)")
	}
	return nil, errors.New("no container runtime: " + strings.Join(why, ", and "))
}

func dockerInstances(ctx context.Context, cfg InstanceConfig, app *goApp, dir, version string, s *InstanceSubject) (func(), error) {
	s.Label = "Docker " + version
	ctxDir := filepath.Join(dir, "docker-"+app.Name)
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		return nil, err
	}
	if err := copyFile(filepath.Join(ctxDir, "app"), app.Binary, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"), 0o644); err != nil {
		return nil, err
	}
	tag := fmt.Sprintf("unigo-bench/%s:%d-%d", strings.Trim(notInImageName.ReplaceAllString(strings.ToLower(app.Name), "-"), "-._"), os.Getpid(), time.Now().UnixNano())
	if _, err := run(ctx, 2*time.Minute, "docker", "build", "-q", "-t", tag, ctxDir); err != nil {
		return nil, err
	}
	cleanup := func() { _, _ = run(context.Background(), time.Minute, "docker", "rmi", "-f", tag) }
	s.How = fmt.Sprintf("Docker engine %s, an image built FROM scratch holding only the binary as /app; each container is removed (docker rm, not timed) after it ended; `docker kill` returns once the container has stopped", version)
	s.Commands = []string{"docker run -d --pull never --name NAME " + tag, "docker stop NAME", "docker kill NAME"}
	s.cycle = func(ctx context.Context, add func(string, float64)) error {
		for _, end := range []string{"stop", "kill"} {
			name := instanceName()
			start := time.Now()
			ret, _, err := timed(ctx, cfg.Timeout, nil, "docker", "run", "-d", "--pull", "never", "--name", name, tag)
			if err != nil {
				return err
			}
			rm := func() { _, _ = run(context.Background(), time.Minute, "docker", "rm", "-f", name) }
			at, err := dockerLineTime(ctx, name, app.Line, start.Add(cfg.Timeout))
			if err != nil {
				rm()
				return err
			}
			d, _, err := timed(ctx, cfg.Timeout, nil, "docker", end, name)
			if err != nil {
				rm()
				return err
			}
			st, err := run(ctx, 30*time.Second, "docker", "inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name)
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
	path, err := run(ctx, 30*time.Second, "docker", "inspect", "-f", "{{.LogPath}}", name)
	if err == nil && path != "" {
		if f, err := os.Open(path); err == nil {
			f.Close()
			return waitLogLine(ctx, path, line, deadline, dockerLogRecord)
		}
	}
	for {
		out, err := run(ctx, 30*time.Second, "docker", "logs", "--timestamps", name)
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
			return time.Time{}, fmt.Errorf("%w waiting for %q in docker logs %s", errTimeout, line, name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dockerLogRecord reads one record of Docker's json-file log.
func dockerLogRecord(b []byte) (string, time.Time, bool) {
	var r struct {
		Log  string    `json:"log"`
		Time time.Time `json:"time"`
	}
	if json.Unmarshal(b, &r) != nil {
		return "", time.Time{}, false
	}
	return r.Log, r.Time, true
}

// runcInstances: `runc run -d` of a minimal OCI bundle whose standard
// output is a file; the line is seen by polling that file, the end of the
// container by polling its process.
func runcInstances(ctx context.Context, cfg InstanceConfig, app *goApp, dir, runc string, s *InstanceSubject) (func(), error) {
	s.Label = "runc"
	bundle := filepath.Join(dir, "runc-"+app.Name)
	rootfs := filepath.Join(bundle, "rootfs")
	state := filepath.Join(dir, "runc-state")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		return nil, err
	}
	if err := copyFile(filepath.Join(rootfs, "app"), app.Binary, 0o755); err != nil {
		return nil, err
	}
	v, _ := run(ctx, 10*time.Second, runc, "--version")
	s.How = strings.SplitN(v, "\n", 2)[0] + ": a minimal OCI bundle whose root file system holds only the binary as /app; its output goes to a file, polled every 2 ms for the line; stop and kill are `runc kill` with TERM and KILL, timed until the process has ended"
	s.Commands = []string{runc + " --root STATE run -d --bundle BUNDLE ID", runc + " kill ID TERM", runc + " kill ID KILL"}
	s.cycle = func(ctx context.Context, add func(string, float64)) error {
		for _, end := range []string{"stop", "kill"} {
			id := instanceName()
			inst := filepath.Join(bundle, id)
			if err := writeOCIConfig(inst, rootfs, runOpts{}); err != nil {
				return err
			}
			err := runcOnce(ctx, cfg, runc, state, inst, id, app.Line, end, add)
			_, _ = run(context.Background(), 30*time.Second, runc, "--root", state, "delete", "-f", id)
			os.RemoveAll(inst)
			if err != nil {
				return err
			}
		}
		return nil
	}
	return nil, nil
}

func runcOnce(ctx context.Context, cfg InstanceConfig, runc, state, inst, id, line, end string, add func(string, float64)) error {
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
		return fmt.Errorf("runc run -d: %v: %s", err, lastLines(strings.TrimSpace(string(b)), 3))
	}
	ret := time.Since(start)
	var at time.Time
	for deadline := start.Add(cfg.Timeout); ; time.Sleep(2 * time.Millisecond) {
		if b, _ := os.ReadFile(outPath); strings.Contains(string(b), line) {
			at = time.Now()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w waiting for %q from the runc container", errTimeout, line)
		}
	}
	st, err := run(ctx, 10*time.Second, runc, "--root", state, "state", id)
	if err != nil {
		return err
	}
	var ps struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(st), &ps); err != nil || ps.Pid <= 0 {
		return fmt.Errorf("runc state %s: no pid in %q", id, st)
	}
	sig := map[string]string{"stop": "TERM", "kill": "KILL"}[end]
	t0 := time.Now()
	if _, err := run(ctx, cfg.Timeout, runc, "--root", state, "kill", id, sig); err != nil {
		return err
	}
	for deadline := t0.Add(cfg.Timeout); processLives(ps.Pid); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: the runc container's process %d lives on after SIG%s", errTimeout, ps.Pid, sig)
		}
	}
	add("start_line", at.Sub(start).Seconds())
	add("start_return", ret.Seconds())
	add(end, time.Since(t0).Seconds())
	return nil
}

// processLives reports whether pid is a process that has not ended (a
// zombie has).
func processLives(pid int) bool {
	f, err := procStat(pid)
	return err == nil && len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
