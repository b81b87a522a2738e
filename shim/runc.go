package shim

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	taskAPI "github.com/containerd/containerd/api/runtime/task/v2"
	"github.com/containerd/containerd/protobuf"
	cdshim "github.com/containerd/containerd/runtime/v2/shim"
	"github.com/containerd/containerd/sys/reaper"
	"github.com/containerd/ttrpc"
	"google.golang.org/protobuf/proto"
)

// runcShimBinary is containerd's runc shim, which runs the pod's ordinary
// containers (the pause container, sidecars).
const runcShimBinary = "containerd-shim-runc-v2"

// sandboxAnnotations are the annotations that group a pod's containers
// (containerd's CRI plugin sets the first).
var sandboxAnnotations = []string{"io.kubernetes.cri.sandbox-id", "io.kubernetes.cri-containerd.sandbox-id"}

// runcShim is the pod's runc shim, started by this shim the first time the
// pod has a container that is not a unigo image, and called as containerd
// would call it. It publishes its containers' events to containerd itself.
type runcShim struct {
	dir    string // its working directory: config.json, log
	client *ttrpc.Client
	task   taskAPI.TaskService
}

// startRuncShim starts the runc shim for the pod of the container whose
// bundle is given, as containerd starts a shim (its start action, in a
// directory with the bundle's config.json), and connects to it. The runc
// shim groups by the sandbox annotation too, and would find this shim's
// own socket under the same name: its copy of config.json names the group
// with a suffix.
func startRuncShim(ctx context.Context, ns, id, bundle string) (*runcShim, error) {
	bin, err := exec.LookPath(runcShimBinary)
	if err != nil {
		return nil, fmt.Errorf("%s is needed for the pod's containers that are not unigo images (the pause container): %w", runcShimBinary, err)
	}
	group, err := podGroup(bundle, id)
	if err != nil {
		return nil, err
	}
	dir := runcShimDir(ns, group)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg, _ := json.Marshal(map[string]any{"annotations": map[string]string{sandboxAnnotations[0]: group + "-runc"}})
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o600); err != nil {
		return nil, err
	}
	if err := forwardLog(dir); err != nil {
		return nil, err
	}
	args := []string{"-namespace", ns, "-id", id, "-address", flagValue("address")}
	if flagValue("debug") == "true" {
		args = append(args, "-debug")
	}
	out, err := runReaped(dir, bin, append(args, "start")...)
	if err != nil {
		return nil, fmt.Errorf("starting the pod's runc shim: %w", err)
	}
	address := strings.TrimSpace(out)
	conn, err := cdshim.Connect(address, cdshim.AnonDialer)
	if err != nil {
		return nil, fmt.Errorf("connecting to the pod's runc shim at %s: %w", address, err)
	}
	client := ttrpc.NewClient(conn)
	return &runcShim{dir: dir, client: client, task: taskAPI.NewTaskClient(client)}, nil
}

// podGroup is the pod the container of bundle belongs to (its sandbox
// annotation), or the container's own ID outside a pod.
func podGroup(bundle, id string) (string, error) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return "", err
	}
	var spec struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return "", err
	}
	for _, a := range sandboxAnnotations {
		if v := spec.Annotations[a]; v != "" {
			return v, nil
		}
	}
	return id, nil
}

// runcShimDir is the runc shim's working directory for a pod.
func runcShimDir(ns, group string) string { return filepath.Join(runtimeRoot(ns), "runc-shim-"+group) }

// runcShimDelete removes a runc container of a shim that died through
// the pod's runc shim, which outlives it: killed, waited for, deleted;
// then the runc shim is asked to end (it does once it has no container
// left). ok is false when the runc shim does not answer.
func runcShimDelete(ctx context.Context, ns, id, bundle string) (st cdshim.StopStatus, ok bool) {
	group, err := podGroup(bundle, id)
	if err != nil {
		return st, false
	}
	address, err := cdshim.SocketAddress(ctx, flagValue("address"), group+"-runc")
	if err != nil {
		return st, false
	}
	conn, err := cdshim.Connect(address, cdshim.AnonDialer)
	if err != nil {
		return st, false
	}
	client := ttrpc.NewClient(conn)
	rs := &runcShim{dir: runcShimDir(ns, group), client: client, task: taskAPI.NewTaskClient(client)}
	defer rs.shutdown(ctx)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	rs.task.Kill(ctx, &taskAPI.KillRequest{ID: id, Signal: uint32(syscall.SIGKILL), All: true})
	rs.task.Wait(ctx, &taskAPI.WaitRequest{ID: id})
	r, err := rs.task.Delete(ctx, &taskAPI.DeleteRequest{ID: id})
	if err != nil {
		return st, false
	}
	return cdshim.StopStatus{Pid: int(r.Pid), ExitStatus: int(r.ExitStatus), ExitedAt: protobuf.FromTimestamp(r.ExitedAt)}, true
}

// forwardLog makes the FIFO "log" in dir, where a shim started there
// writes its log (containerd makes it in a bundle), and copies what comes
// into this shim's own log.
func forwardLog(dir string) error {
	p := filepath.Join(dir, "log")
	os.Remove(p)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		return fmt.Errorf("the runc shim's log: %w", err)
	}
	// Read-write: the open does not wait for the writer, and the reader
	// never sees an end while the writer restarts.
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("the runc shim's log: %w", err)
	}
	go func() {
		io.Copy(os.Stderr, f)
		f.Close()
	}()
	return nil
}

// runcCleanup is the runc shim's delete action for a container of a shim
// that died.
func runcCleanup(ctx context.Context, ns, id, bundle string) (cdshim.StopStatus, error) {
	bin, err := exec.LookPath(runcShimBinary)
	if err != nil {
		return cdshim.StopStatus{}, err
	}
	out, err := runReaped(bundle, bin, "-namespace", ns, "-id", id, "-address", flagValue("address"), "-bundle", bundle, "delete")
	if err != nil {
		return cdshim.StopStatus{}, err
	}
	var r taskAPI.DeleteResponse
	if err := proto.Unmarshal([]byte(out), &r); err != nil {
		return cdshim.StopStatus{}, err
	}
	return cdshim.StopStatus{Pid: int(r.Pid), ExitStatus: int(r.ExitStatus), ExitedAt: protobuf.FromTimestamp(r.ExitedAt)}, nil
}

// runReaped runs a command to its end and returns its standard output,
// through the shim's reaper, which reaps every child of the shim.
func runReaped(dir, bin string, args ...string) (string, error) {
	rd, wr, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer rd.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = wr
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ec, err := reaper.Default.Start(cmd)
	wr.Close()
	if err != nil {
		return "", err
	}
	out, _ := io.ReadAll(rd)
	status, err := reaper.Default.Wait(cmd, ec)
	if err != nil {
		return "", err
	}
	if status != 0 {
		return "", fmt.Errorf("%s %s: exit status %d: %s", filepath.Base(bin), args[len(args)-1], status, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// flagValue is the value of one of the shim library's flags.
func flagValue(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// shutdown asks the runc shim to end (it does once it has no containers
// left) and closes the connection.
func (r *runcShim) shutdown(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// The runc shim may exit before it answers: no error is worth a word.
	r.task.Shutdown(ctx, &taskAPI.ShutdownRequest{})
	r.client.Close()
	os.RemoveAll(r.dir)
}
