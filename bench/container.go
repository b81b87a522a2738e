package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"unigo.dev/unigo/internal/atomicfile"
)

// The container column: the same plain binary in a `FROM scratch` image
// run by the Docker engine, or, when no engine answers, in a minimal OCI
// bundle run by runc.

var instanceSeq atomic.Int64

// instanceName returns a name for a container no other run uses.
func instanceName() string {
	return fmt.Sprintf("unigo-bench-%d-%d", os.Getpid(), instanceSeq.Add(1))
}

// container picks the runtime: Docker when the engine answers, else runc.
func (e *compareEnv) container(ctx context.Context) contender {
	var why []string
	rt := e.cfg.Runtime
	if rt == RuntimeAuto || rt == RuntimeDocker {
		v, err := dockerVersion(ctx)
		if err == nil {
			return e.docker(v)
		}
		why = append(why, "the Docker engine does not answer ("+err.Error()+")")
	}
	if rt == RuntimeAuto || rt == RuntimeRunc {
		p, err := exec.LookPath("runc")
		if err == nil {
			return e.runc(p)
		}
		why = append(why, "runc is not installed (apt-get install runc)")
	}
	return contender{naWhy: "no container runtime: " + strings.Join(why, ", and ")}
}

// run runs a command that should take at most timeout and returns its
// standard output, or an error with what it printed.
func run(ctx context.Context, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0") // the legacy builder needs no buildx plugin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return "", fmt.Errorf("%s %s: %v: %s", name, strings.Join(args[:min(len(args), 2)], " "), err, lastLines(msg, 2))
	}
	return strings.TrimSpace(out.String()), nil
}

func dockerVersion(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("docker"); err != nil {
		return "", fmt.Errorf("no docker command")
	}
	return run(ctx, 10*time.Second, "docker", "version", "--format", "{{.Server.Version}}")
}

// copyFile copies src to dst with mode perm.
func copyFile(dst, src string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var notInImageName = regexp.MustCompile(`[^a-z0-9._-]+`)

// docker builds a FROM scratch image of the app and runs it with
// `docker run`.
func (e *compareEnv) docker(version string) contender {
	c := contender{label: "container (Docker)"}
	c.prepare = func(ctx context.Context, app *goApp) (*runnable, error) {
		dir := filepath.Join(e.dir, "docker-"+app.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := copyFile(filepath.Join(dir, "app"), app.Binary, 0o755); err != nil {
			return nil, err
		}
		dockerfile := "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
			return nil, err
		}
		tag := fmt.Sprintf("unigo-bench/%s:%d-%d", strings.Trim(notInImageName.ReplaceAllString(strings.ToLower(app.Name), "-"), "-._"), os.Getpid(), time.Now().UnixNano())
		if _, err := run(ctx, 2*time.Minute, "docker", "build", "-q", "-t", tag, dir); err != nil {
			return nil, err
		}
		e.cleanups = append(e.cleanups, func() {
			_, _ = run(context.Background(), time.Minute, "docker", "rmi", "-f", tag)
		})
		a := &runnable{
			how:     fmt.Sprintf("Docker engine %s: `docker run --rm` of an image built FROM scratch holding only the binary as /app", version),
			command: []string{"docker", "run", "--rm", "--pull", "never", "--name", "NAME", tag},
			memory:  &memorySearch{Limit: "docker run --memory", Lo: 6, LoWhy: "Docker refuses less"},
		}
		sz, err := run(ctx, 30*time.Second, "docker", "image", "inspect", "-f", "{{.Size}}", tag)
		if err != nil {
			return nil, err
		}
		if a.sizeBytes, err = strconv.ParseInt(sz, 10, 64); err != nil {
			return nil, fmt.Errorf("docker image inspect: size %q", sz)
		}
		a.sizeNote = "docker image inspect .Size of " + tag
		a.parts = []part{{Name: "image " + tag, Bytes: a.sizeBytes, Counted: true}}
		a.files, a.filesErr = dockerFiles(ctx, tag)
		a.start = func(ctx context.Context, o runOpts) (*instance, error) {
			name := instanceName()
			args := []string{"run", "--rm", "--pull", "never", "--name", name}
			if o.memMiB > 0 {
				args = append(args, fmt.Sprintf("--memory=%dm", o.memMiB), fmt.Sprintf("--memory-swap=%dm", o.memMiB))
			}
			hostPort := 0
			if o.port > 0 {
				var err error
				if hostPort, err = freePort(); err != nil {
					return nil, err
				}
				args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:%d", hostPort, o.port), "-e", fmt.Sprintf("PORT=%d", o.port))
			}
			cmd := exec.CommandContext(ctx, "docker", append(args, tag)...)
			w := newWatched(cmd, lineMatcher(app.Line))
			cmd.Stdout, cmd.Stderr = w.console(), w.console()
			if err := w.start(); err != nil {
				return nil, err
			}
			appPID := func() (int, error) {
				s, err := run(ctx, 10*time.Second, "docker", "inspect", "-f", "{{.State.Pid}}", name)
				if err != nil {
					return 0, err
				}
				pid, err := strconv.Atoi(s)
				if err == nil && pid <= 0 {
					err = fmt.Errorf("container %s is not running", name)
				}
				return pid, err
			}
			return &instance{watched: w, addr: fmt.Sprintf("127.0.0.1:%d", hostPort), appPID: appPID,
				procs: func() ([]int, string, error) {
					pid, err := appPID()
					if err != nil {
						return nil, "", err
					}
					shim, err := procParent(pid)
					if err != nil {
						return nil, "", err
					}
					return []int{pid, shim}, "the app's process and its " + procName(shim), nil
				},
				stopFn: func() {
					if w.running() {
						_, _ = run(context.Background(), 30*time.Second, "docker", "rm", "-f", name)
					}
				}}, nil
		}
		return a, nil
	}
	c.surface = filesSurface("the container's file system (docker export)")
	c.syscalls = func(ctx context.Context, idle *instance) Metric {
		if idle == nil {
			return naMetric("calls", "n/a: the seccomp filter of a running container is read from its idle instance, and there was none (idle measurement skipped)")
		}
		return e.processSyscalls(ctx, idle, 0)
	}
	return c
}

// dockerFiles lists the file system of a container of the image, as
// `docker export` writes it.
func dockerFiles(ctx context.Context, tag string) ([]artifactFile, error) {
	name := instanceName()
	if _, err := run(ctx, 30*time.Second, "docker", "create", "--pull", "never", "--name", name, tag); err != nil {
		return nil, err
	}
	defer run(context.Background(), 30*time.Second, "docker", "rm", "-f", name)
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
	files, terr := tarFiles(out)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("docker export: %w", err)
	}
	return files, terr
}

// runc runs the app in a minimal OCI bundle: the binary as the whole root
// file system, its own PID, IPC, UTS and mount namespaces, the host's
// network.
func (e *compareEnv) runc(runc string) contender {
	c := contender{label: "container (runc)"}
	state := filepath.Join(e.dir, "runc-state")
	c.prepare = func(ctx context.Context, app *goApp) (*runnable, error) {
		bundle := filepath.Join(e.dir, "runc-"+app.Name)
		rootfs := filepath.Join(bundle, "rootfs")
		if err := os.MkdirAll(rootfs, 0o755); err != nil {
			return nil, err
		}
		if err := copyFile(filepath.Join(rootfs, "app"), app.Binary, 0o755); err != nil {
			return nil, err
		}
		v, _ := run(ctx, 10*time.Second, runc, "--version")
		a := &runnable{
			how:     fmt.Sprintf("%s: `runc run` of a minimal OCI bundle whose root file system holds only the binary as /app (PID, IPC, UTS and mount namespaces; the host's network; no seccomp filter)", strings.SplitN(v, "\n", 2)[0]),
			command: []string{runc, "--root", state, "run", "--bundle", bundle + "/ID", "ID"},
			memory:  &memorySearch{Limit: "OCI memory limit (cgroup)", Lo: 1},
		}
		a.parts = []part{{Name: "rootfs/app", Path: filepath.Join(rootfs, "app"), Bytes: app.Size, Counted: true}}
		a.sizeNote = "the bundle's root file system (config.json is written per run)"
		a.files, a.filesErr = dirFiles(rootfs)
		a.start = func(ctx context.Context, o runOpts) (*instance, error) {
			id := instanceName()
			inst := filepath.Join(bundle, id)
			if err := writeOCIConfig(inst, rootfs, o); err != nil {
				return nil, err
			}
			cmd := exec.CommandContext(ctx, runc, "--root", state, "run", "--bundle", inst, id)
			w := newWatched(cmd, lineMatcher(app.Line))
			cmd.Stdout, cmd.Stderr = w.console(), w.console()
			if err := w.start(); err != nil {
				os.RemoveAll(inst)
				return nil, err
			}
			appPID := func() (int, error) {
				s, err := run(ctx, 10*time.Second, runc, "--root", state, "state", id)
				if err != nil {
					return 0, err
				}
				var st struct {
					Pid int `json:"pid"`
				}
				if err := json.Unmarshal([]byte(s), &st); err != nil || st.Pid <= 0 {
					return 0, fmt.Errorf("runc state %s: no pid in %q", id, s)
				}
				return st.Pid, nil
			}
			runcPID := w.pid()
			return &instance{watched: w, addr: fmt.Sprintf("127.0.0.1:%d", o.port), appPID: appPID,
				procs: func() ([]int, string, error) {
					pid, err := appPID()
					if err != nil {
						return nil, "", err
					}
					return []int{pid, runcPID}, "the app's process and `runc run`", nil
				},
				stopFn: func() {
					_, _ = run(context.Background(), 30*time.Second, runc, "--root", state, "kill", id, "KILL")
					_, _ = run(context.Background(), 30*time.Second, runc, "--root", state, "delete", "-f", id)
					os.RemoveAll(inst)
				}}, nil
		}
		return a, nil
	}
	c.surface = filesSurface("the bundle's root file system")
	c.syscalls = func(ctx context.Context, idle *instance) Metric {
		return e.processSyscalls(ctx, idle, os.Getpid())
	}
	return c
}

// writeOCIConfig writes dir/config.json of a minimal container of /app.
func writeOCIConfig(dir, rootfs string, o runOpts) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	env := []string{"PATH=/"}
	if o.port > 0 {
		env = append(env, fmt.Sprintf("PORT=%d", o.port))
	}
	caps := []string{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"}
	linux := map[string]any{
		"namespaces":    []map[string]string{{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}},
		"cgroupsPath":   "/" + filepath.Base(dir), // runc delete removes it
		"maskedPaths":   []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"},
		"readonlyPaths": []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
	}
	if o.memMiB > 0 {
		limit := int64(o.memMiB) << 20
		linux["resources"] = map[string]any{"memory": map[string]any{"limit": limit}}
	}
	cfg := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"terminal": false, "user": map[string]int{"uid": 0, "gid": 0},
			"args": []string{"/app"}, "env": env, "cwd": "/", "noNewPrivileges": true,
			"capabilities": map[string][]string{"bounding": caps, "effective": caps, "permitted": caps},
		},
		"root":     map[string]any{"path": rootfs, "readonly": true},
		"hostname": "unigo-bench",
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		"linux": linux,
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "config.json"), b, 0o644)
}
