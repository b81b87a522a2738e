package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/internal/atomicfile"
)

// Containers: the same plain binary in a `FROM scratch` image run by the
// Docker engine, or, when no engine answers, in a minimal OCI bundle run
// by runc.

// Runtime is the container runtime a benchmark runs its container subject
// with.
type Runtime struct {
	Docker  bool   // the Docker engine; else runc
	Version string // the engine's version, or runc's first --version line
	Runc    string // the runc program
}

// ChooseRuntime finds the runtime want names: RuntimeAuto is Docker when
// its engine answers, else runc.
func ChooseRuntime(ctx context.Context, want string) (Runtime, error) {
	var why []string
	if want == RuntimeAuto || want == RuntimeDocker {
		v, err := DockerVersion(ctx)
		if err == nil {
			return Runtime{Docker: true, Version: v}, nil
		}
		why = append(why, "the Docker engine does not answer ("+err.Error()+")")
	}
	if want == RuntimeAuto || want == RuntimeRunc {
		if p, err := exec.LookPath("runc"); err == nil {
			v, _ := Output(ctx, 10*time.Second, p, "--version")
			return Runtime{Runc: p, Version: strings.SplitN(v, "\n", 2)[0]}, nil
		}
		why = append(why, "runc is not installed (apt-get install runc)")
	}
	return Runtime{}, errors.New("no container runtime: " + strings.Join(why, ", and "))
}

var nameSeq atomic.Int64

// UniqueName returns a name for a container, cgroup or instance that no
// other run uses.
func UniqueName() string {
	return fmt.Sprintf("unigo-bench-%d-%d", os.Getpid(), nameSeq.Add(1))
}

// Output runs a command that should take at most timeout and returns its
// standard output, or an error with what it printed.
func Output(ctx context.Context, timeout time.Duration, name string, args ...string) (string, error) {
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
		return "", fmt.Errorf("%s %s: %v: %s", name, strings.Join(args[:min(len(args), 2)], " "), err, measure.LastLines(msg, 2))
	}
	return strings.TrimSpace(out.String()), nil
}

// DockerVersion is the Docker engine's version, or why none answers.
func DockerVersion(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("docker"); err != nil {
		return "", fmt.Errorf("no docker command")
	}
	return Output(ctx, 10*time.Second, "docker", "version", "--format", "{{.Server.Version}}")
}

// CopyFile copies src to dst with mode perm.
func CopyFile(dst, src string, perm os.FileMode) error {
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

// DockerImage builds an image FROM scratch that holds only the app's
// binary as /app (its build context under dir) and returns its tag and
// how to remove it.
func DockerImage(ctx context.Context, app *App, dir string) (tag string, remove func(), err error) {
	ctxDir := filepath.Join(dir, "docker-"+app.Name)
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		return "", nil, err
	}
	if err := CopyFile(filepath.Join(ctxDir, "app"), app.Binary, 0o755); err != nil {
		return "", nil, err
	}
	dockerfile := "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", nil, err
	}
	tag = fmt.Sprintf("unigo-bench/%s:%d-%d", strings.Trim(notInImageName.ReplaceAllString(strings.ToLower(app.Name), "-"), "-._"), os.Getpid(), time.Now().UnixNano())
	if _, err := Output(ctx, 2*time.Minute, "docker", "build", "-q", "-t", tag, ctxDir); err != nil {
		return "", nil, err
	}
	return tag, func() { _, _ = Output(context.Background(), time.Minute, "docker", "rmi", "-f", tag) }, nil
}

// RuncBundle makes the directory of the app's OCI bundles under dir: a root
// file system that holds only the binary as /app. Each container gets its
// config.json in a directory of its own in bundle (WriteOCIConfig).
func RuncBundle(app *App, dir string) (bundle, rootfs string, err error) {
	bundle = filepath.Join(dir, "runc-"+app.Name)
	rootfs = filepath.Join(bundle, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		return "", "", err
	}
	return bundle, rootfs, CopyFile(filepath.Join(rootfs, "app"), app.Binary, 0o755)
}

// RuncPID returns the pid of runc's container id (runc state).
func RuncPID(ctx context.Context, runc, state, id string) (int, error) {
	s, err := Output(ctx, 10*time.Second, runc, "--root", state, "state", id)
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

// WriteOCIConfig writes dir/config.json of a minimal container of /app:
// its own PID, IPC, UTS and mount namespaces, the host's network, memory
// limited to memMiB (0: not), $PORT set to port (0: not).
func WriteOCIConfig(dir, rootfs string, memMiB, port int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	env := []string{"PATH=/"}
	if port > 0 {
		env = append(env, fmt.Sprintf("PORT=%d", port))
	}
	caps := []string{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"}
	linux := map[string]any{
		"namespaces":    []map[string]string{{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}},
		"cgroupsPath":   "/" + filepath.Base(dir), // runc delete removes it
		"maskedPaths":   []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"},
		"readonlyPaths": []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
	}
	if memMiB > 0 {
		limit := int64(memMiB) << 20
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
