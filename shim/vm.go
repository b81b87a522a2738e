package shim

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	eventstypes "github.com/containerd/containerd/api/events"
	taskAPI "github.com/containerd/containerd/api/runtime/task/v2"
	"github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/protobuf"
	"github.com/containerd/containerd/runtime"
	runc "github.com/containerd/go-runc"
	"github.com/containerd/log"

	"unigo.dev/unigo/ociruntime"
)

// vm is a unigo container: its container process (ociruntime's, the pid
// containerd knows as the task's) boots the VM at start and exits with
// the app's exit code.
type vm struct {
	id, bundle            string
	stdin, stdout, stderr string
	pid                   int
	rootfs                string             // where its root file system is mounted; "" if the bundle's own
	cgroup                *ociruntime.Cgroup // nil when the spec names none
	done                  chan struct{}

	mu         sync.Mutex
	status     task.Status
	exitStatus uint32
	exitedAt   time.Time
}

// isUnigoBundle says whether the container is a VM: its root file system
// holds a unigo image, or its annotations ask for its ordinary image's
// command to boot unmodified (unmodifiedAsked). Its mounts (containerd's
// snapshot) are mounted at the bundle's rootfs to look, and stay mounted
// for a VM.
func isUnigoBundle(r *taskAPI.CreateTaskRequest) (bool, error) {
	var spec struct {
		Root struct {
			Path string `json:"path"`
		} `json:"root"`
		Annotations map[string]string `json:"annotations"`
	}
	data, err := os.ReadFile(filepath.Join(r.Bundle, "config.json"))
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return false, err
	}
	asked := unmodifiedAsked(spec.Annotations)
	if len(r.Rootfs) == 0 {
		p := spec.Root.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(r.Bundle, p)
		}
		return asked || ociruntime.IsUnigoRoot(p), nil
	}
	rootfs := filepath.Join(r.Bundle, "rootfs")
	if err := os.MkdirAll(rootfs, 0o711); err != nil {
		return false, err
	}
	var mounts []mount.Mount
	for _, m := range r.Rootfs {
		mounts = append(mounts, mount.Mount{Type: m.Type, Source: m.Source, Options: m.Options})
	}
	if err := mount.All(mounts, rootfs); err != nil {
		return false, fmt.Errorf("mounting the container's root file system: %w", err)
	}
	if asked || ociruntime.IsUnigoRoot(rootfs) {
		return true, nil
	}
	if err := mount.UnmountAll(rootfs, 0); err != nil {
		return false, err
	}
	return false, nil
}

// Annotations that make an ordinary image's container a VM that boots its
// command unmodified (docs/exec-design.md), where it would otherwise run
// under runc as a sidecar: on the container itself (ctr run
// --annotation), or on the pod, naming its containers (CRI passes the
// pod's annotations to the runtime when the handler's pod_annotations
// lists them: docs/kubernetes.md).
const (
	annotationUnikernel  = "unigo.dev/unikernel"  // "true"
	annotationUnikernels = "unigo.dev/unikernels" // container names, comma-separated
)

// unmodifiedAsked reports whether a container's annotations ask for it to
// boot as a unikernel though its image is not a unigo image. The pod's
// sandbox (pause) never is.
func unmodifiedAsked(a map[string]string) bool {
	if a["io.kubernetes.cri.container-type"] == "sandbox" {
		return false
	}
	if a[annotationUnikernel] == "true" {
		return true
	}
	name := a["io.kubernetes.cri.container-name"]
	for _, n := range strings.Split(a[annotationUnikernels], ",") {
		if n = strings.TrimSpace(n); n != "" && n == name {
			return true
		}
	}
	return false
}

// openStdio opens the container's standard streams: containerd's FIFOs
// (opened read-write, so that opening never blocks; the reader sees the
// end when the container process and the VM have closed theirs), or
// /dev/null. A VM reads no standard input.
func openStdio(r *taskAPI.CreateTaskRequest) (ociruntime.Stdio, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	open := func(p string) (*os.File, error) {
		if p == "" {
			p = os.DevNull
		}
		if u, ok := strings.CutPrefix(p, "file://"); ok {
			if err := os.MkdirAll(filepath.Dir(u), 0o755); err != nil {
				return nil, err
			}
			f, err := os.OpenFile(u, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			if err == nil {
				files = append(files, f)
			}
			return f, err
		}
		if strings.Contains(p, "://") {
			return nil, fmt.Errorf("the log URI %s is not supported by the unigo shim: give a FIFO or a file:// path", p)
		}
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	var st ociruntime.Stdio
	var err error
	if st.In, err = open(""); err != nil {
		return st, closeAll, err
	}
	if st.Out, err = open(r.Stdout); err != nil {
		closeAll()
		return st, closeAll, err
	}
	if st.Err, err = open(r.Stderr); err != nil {
		closeAll()
		return st, closeAll, err
	}
	return st, closeAll, nil
}

func (s *service) createVM(ctx context.Context, r *taskAPI.CreateTaskRequest) (_ *taskAPI.CreateTaskResponse, err error) {
	rootfs := ""
	if len(r.Rootfs) > 0 {
		rootfs = filepath.Join(r.Bundle, "rootfs")
	}
	defer func() {
		if err != nil && rootfs != "" {
			mount.UnmountAll(rootfs, 0)
		}
	}()
	if r.Terminal {
		return nil, fmt.Errorf("%w: a terminal (tty) is not supported for unigo containers yet: the VM's console is the container's stdout and stderr", errdefs.ErrNotImplemented)
	}
	s.mu.Lock()
	_, exists := s.vms[r.ID]
	s.mu.Unlock()
	if exists {
		return nil, fmt.Errorf("%w: container %s", errdefs.ErrAlreadyExists, r.ID)
	}
	stdio, closeStdio, err := openStdio(r)
	if err != nil {
		return nil, err
	}
	pid, err := s.rt.Create(r.ID, r.Bundle, stdio)
	closeStdio() // the container process has its own copies
	if err != nil {
		return nil, err
	}
	cg, err := joinCgroup(r.Bundle, pid)
	if err != nil {
		s.rt.Delete(r.ID)
		return nil, err
	}
	v := &vm{id: r.ID, bundle: r.Bundle, stdin: r.Stdin, stdout: r.Stdout, stderr: r.Stderr, pid: pid, rootfs: rootfs, cgroup: cg, done: make(chan struct{}), status: task.Status_CREATED}
	s.mu.Lock()
	s.vms[r.ID] = v
	e, died := s.early[pid]
	delete(s.early, pid)
	s.mu.Unlock()
	if died {
		s.exited(v, e)
	}
	s.publish(ctx, runtime.TaskCreateEventTopic, &eventstypes.TaskCreate{
		ContainerID: r.ID, Bundle: r.Bundle, Rootfs: r.Rootfs,
		IO:  &eventstypes.TaskIO{Stdin: r.Stdin, Stdout: r.Stdout, Stderr: r.Stderr, Terminal: r.Terminal},
		Pid: uint32(pid),
	})
	return &taskAPI.CreateTaskResponse{Pid: uint32(pid)}, nil
}

func (s *service) startVM(ctx context.Context, v *vm) (*taskAPI.StartResponse, error) {
	v.mu.Lock()
	st := v.status
	v.mu.Unlock()
	if st != task.Status_CREATED {
		return nil, fmt.Errorf("%w: container %s is not created but %s", errdefs.ErrFailedPrecondition, v.id, strings.ToLower(st.String()))
	}
	if err := s.rt.Start(v.id); err != nil {
		return nil, err
	}
	v.mu.Lock()
	if v.status == task.Status_CREATED {
		v.status = task.Status_RUNNING
	}
	v.mu.Unlock()
	s.publish(ctx, runtime.TaskStartEventTopic, &eventstypes.TaskStart{ContainerID: v.id, Pid: uint32(v.pid)})
	return &taskAPI.StartResponse{Pid: uint32(v.pid)}, nil
}

// exited records the container process's end and tells containerd.
func (s *service) exited(v *vm, e runc.Exit) {
	v.mu.Lock()
	if v.status == task.Status_STOPPED {
		v.mu.Unlock()
		return
	}
	v.status = task.Status_STOPPED
	v.exitStatus = uint32(e.Status)
	v.exitedAt = e.Timestamp
	close(v.done)
	v.mu.Unlock()
	if s.rt.OutOfMemory(v.id) {
		// Before the exit, as runc's shim does: CRI then gives the
		// container the reason OOMKilled.
		s.publish(s.ctx, runtime.TaskOOMEventTopic, &eventstypes.TaskOOM{ContainerID: v.id})
	}
	s.publish(s.ctx, runtime.TaskExitEventTopic, &eventstypes.TaskExit{
		ContainerID: v.id, ID: v.id, Pid: uint32(v.pid),
		ExitStatus: uint32(e.Status), ExitedAt: protobuf.ToTimestamp(e.Timestamp),
	})
}

func (s *service) killVM(v *vm, sig uint32) error {
	v.mu.Lock()
	st := v.status
	v.mu.Unlock()
	if st == task.Status_STOPPED {
		return fmt.Errorf("%w: process already finished", errdefs.ErrNotFound)
	}
	if err := s.rt.Signal(v.id, syscall.Signal(sig)); err != nil {
		if strings.Contains(err.Error(), "not running") {
			return fmt.Errorf("%w: process already finished", errdefs.ErrNotFound)
		}
		return err
	}
	return nil
}

func (s *service) deleteVM(ctx context.Context, v *vm) (*taskAPI.DeleteResponse, error) {
	v.mu.Lock()
	st := v.status
	v.mu.Unlock()
	if st == task.Status_RUNNING {
		return nil, fmt.Errorf("%w: container %s is running: kill it first", errdefs.ErrFailedPrecondition, v.id)
	}
	if err := s.rt.Delete(v.id); err != nil {
		return nil, err
	}
	if st == task.Status_CREATED {
		// Never started: its process is gone with the state.
		s.exited(v, runc.Exit{Pid: v.pid, Status: 128 + int(syscall.SIGKILL), Timestamp: time.Now()})
	}
	if v.cgroup != nil {
		if err := v.cgroup.Delete(); err != nil {
			log.G(ctx).WithError(err).Warn("removing the container's cgroup")
		}
	}
	if v.rootfs != "" {
		if err := mount.UnmountAll(v.rootfs, 0); err != nil {
			log.G(ctx).WithError(err).Warn("unmounting the container's root file system")
		}
	}
	s.mu.Lock()
	delete(s.vms, v.id)
	s.mu.Unlock()
	v.mu.Lock()
	resp := &taskAPI.DeleteResponse{Pid: uint32(v.pid), ExitStatus: v.exitStatus, ExitedAt: protobuf.ToTimestamp(v.exitedAt)}
	v.mu.Unlock()
	s.publish(ctx, runtime.TaskDeleteEventTopic, &eventstypes.TaskDelete{ContainerID: v.id, ID: v.id, Pid: resp.Pid, ExitStatus: resp.ExitStatus, ExitedAt: resp.ExitedAt})
	return resp, nil
}

func (v *vm) state() *taskAPI.StateResponse {
	v.mu.Lock()
	defer v.mu.Unlock()
	r := &taskAPI.StateResponse{
		ID: v.id, Bundle: v.bundle, Pid: uint32(v.pid), Status: v.status,
		Stdin: v.stdin, Stdout: v.stdout, Stderr: v.stderr,
	}
	if v.status == task.Status_STOPPED {
		r.ExitStatus, r.ExitedAt = v.exitStatus, protobuf.ToTimestamp(v.exitedAt)
	}
	return r
}

// pids are the container process and its children (QEMU).
func (v *vm) pids() *taskAPI.PidsResponse {
	r := &taskAPI.PidsResponse{}
	v.mu.Lock()
	stopped := v.status == task.Status_STOPPED
	v.mu.Unlock()
	if stopped {
		return r
	}
	r.Processes = append(r.Processes, &task.ProcessInfo{Pid: uint32(v.pid)})
	// Each thread's children: a Go program forks from any of its threads.
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", v.pid))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				r.Processes = append(r.Processes, &task.ProcessInfo{Pid: uint32(n)})
			}
		}
	}
	return r
}

// pauseVM pauses (or resumes) v and says so in an event.
func (s *service) pauseVM(ctx context.Context, v *vm, pause bool) error {
	if err := v.freeze(pause); err != nil {
		return err
	}
	if pause {
		s.publish(ctx, runtime.TaskPausedEventTopic, &eventstypes.TaskPaused{ContainerID: v.id})
	} else {
		s.publish(ctx, runtime.TaskResumedEventTopic, &eventstypes.TaskResumed{ContainerID: v.id})
	}
	return nil
}

// freeze pauses (or resumes) a running VM: its cgroup, holding the
// container process and QEMU, frozen (or thawed), as runc pauses.
func (v *vm) freeze(pause bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	want, next := task.Status_RUNNING, task.Status_PAUSED
	if !pause {
		want, next = task.Status_PAUSED, task.Status_RUNNING
	}
	if v.status != want {
		return fmt.Errorf("%w: container %s is %s, not %s", errdefs.ErrFailedPrecondition, v.id, strings.ToLower(v.status.String()), strings.ToLower(want.String()))
	}
	if v.cgroup == nil {
		return fmt.Errorf("%w: container %s has no cgroup to freeze (its spec names none)", errdefs.ErrNotImplemented, v.id)
	}
	var err error
	if pause {
		err = v.cgroup.Freeze()
	} else {
		err = v.cgroup.Thaw()
	}
	if err != nil {
		return err
	}
	v.status = next
	return nil
}

// stats are the container's cgroup's: the container process and QEMU.
func (v *vm) stats() (*taskAPI.StatsResponse, error) {
	if v.cgroup == nil {
		return nil, fmt.Errorf("%w: container %s has no cgroup (its spec names none)", errdefs.ErrNotFound, v.id)
	}
	a, err := cgroupStats(v.cgroup)
	if err != nil {
		return nil, err
	}
	return &taskAPI.StatsResponse{Stats: a}, nil
}

func (s *service) publish(ctx context.Context, topic string, event interface{}) {
	if err := s.publisher.Publish(ctx, topic, event); err != nil {
		log.G(ctx).WithError(err).WithField("topic", topic).Warn("publishing an event")
	}
}
