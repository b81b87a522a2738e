package shim

import (
	"context"
	"os"
	"sync"
	"time"

	taskAPI "github.com/containerd/containerd/api/runtime/task/v2"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/pkg/shutdown"
	"github.com/containerd/containerd/plugin"
	cdshim "github.com/containerd/containerd/runtime/v2/shim"
	"github.com/containerd/containerd/sys/reaper"
	runc "github.com/containerd/go-runc"
	"github.com/containerd/log"
	"github.com/containerd/ttrpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"unigo.dev/unigo/ociruntime"
)

// registerTaskService registers the task service as the shim library's
// ttrpc plugin, as containerd's runc shim registers its own.
func registerTaskService() {
	plugin.Register(&plugin.Registration{
		Type:     plugin.TTRPCPlugin,
		ID:       "task",
		Requires: []plugin.Type{plugin.EventPlugin, plugin.InternalPlugin},
		InitFn: func(ic *plugin.InitContext) (interface{}, error) {
			pp, err := ic.GetByID(plugin.EventPlugin, "publisher")
			if err != nil {
				return nil, err
			}
			ss, err := ic.GetByID(plugin.InternalPlugin, "shutdown")
			if err != nil {
				return nil, err
			}
			return newService(ic.Context, pp.(cdshim.Publisher), ss.(shutdown.Service))
		},
	})
}

// service is the shim's task service (containerd's task API v2): each
// request goes to the container's backend, this shim's VMs (vm.go) or the
// pod's runc shim (runc.go).
type service struct {
	ctx       context.Context
	ns        string
	publisher cdshim.Publisher
	sd        shutdown.Service
	rt        *ociruntime.Runtime

	mu sync.Mutex
	// vms are the unigo containers by ID.
	vms map[string]*vm
	// runcIDs are the containers of the runc shim.
	runcIDs map[string]bool
	runc    *runcShim
	// early are exits of children no VM claimed yet (a container process
	// that died between its start and its registration).
	early map[int]runc.Exit
}

func newService(ctx context.Context, publisher cdshim.Publisher, sd shutdown.Service) (*service, error) {
	ns, err := namespaces.NamespaceRequired(ctx)
	if err != nil {
		return nil, err
	}
	s := &service{
		ctx: ctx, ns: ns, publisher: publisher, sd: sd,
		rt:      ociruntime.New(runtimeRoot(ns), self()),
		vms:     map[string]*vm{},
		runcIDs: map[string]bool{},
		early:   map[int]runc.Exit{},
	}
	go s.watchExits(reaper.Default.Subscribe())
	if address, err := cdshim.ReadAddress("address"); err == nil {
		sd.RegisterCallback(func(context.Context) error { return cdshim.RemoveSocket(address) })
	}
	// Events are published as they happen (publish), so none is queued at
	// shutdown: closing the publisher lets the shim exit at once (the
	// shim library waits up to 5 s for it).
	sd.RegisterCallback(func(context.Context) error { return publisher.Close() })
	return s, nil
}

func (s *service) RegisterTTRPC(server *ttrpc.Server) error {
	taskAPI.RegisterTaskService(server, s)
	return nil
}

// watchExits hands the exits of the shim's children (its reaper reaps
// them all) to their VMs.
func (s *service) watchExits(ec chan runc.Exit) {
	for e := range ec {
		s.mu.Lock()
		var owner *vm
		for _, v := range s.vms {
			if v.pid == e.Pid {
				owner = v
			}
		}
		if owner == nil {
			// Most are QEMU's, reparented to the shim when their
			// container process ended: keep them a minute.
			for pid, old := range s.early {
				if e.Timestamp.Sub(old.Timestamp) > time.Minute {
					delete(s.early, pid)
				}
			}
			s.early[e.Pid] = e
		}
		s.mu.Unlock()
		if owner != nil {
			s.exited(owner, e)
		}
	}
}

// backend finds the container's: a VM, or the runc shim's task service.
func (s *service) backend(id string) (*vm, taskAPI.TaskService, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.vms[id]; v != nil {
		return v, nil, nil
	}
	if s.runcIDs[id] && s.runc != nil {
		return nil, s.runc.task, nil
	}
	return nil, nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "container %s", id)
}

func (s *service) Create(ctx context.Context, r *taskAPI.CreateTaskRequest) (*taskAPI.CreateTaskResponse, error) {
	unigo, err := isUnigoBundle(r)
	if err != nil {
		return nil, errdefs.ToGRPC(err)
	}
	if unigo {
		resp, err := s.createVM(ctx, r)
		return resp, errdefs.ToGRPC(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runc == nil {
		rs, err := startRuncShim(ctx, s.ns, r.ID, r.Bundle)
		if err != nil {
			return nil, errdefs.ToGRPC(err)
		}
		s.runc = rs
	}
	resp, err := s.runc.task.Create(ctx, r)
	if err == nil {
		s.runcIDs[r.ID] = true
	}
	return resp, err
}

func (s *service) Start(ctx context.Context, r *taskAPI.StartRequest) (*taskAPI.StartResponse, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Start(ctx, r)
	}
	if r.ExecID != "" {
		return nil, errExec()
	}
	resp, err := s.startVM(ctx, v)
	return resp, errdefs.ToGRPC(err)
}

func (s *service) State(ctx context.Context, r *taskAPI.StateRequest) (*taskAPI.StateResponse, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.State(ctx, r)
	}
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s", r.ExecID)
	}
	return v.state(), nil
}

func (s *service) Wait(ctx context.Context, r *taskAPI.WaitRequest) (*taskAPI.WaitResponse, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Wait(ctx, r)
	}
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s", r.ExecID)
	}
	select {
	case <-v.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	st := v.state()
	return &taskAPI.WaitResponse{ExitStatus: st.ExitStatus, ExitedAt: st.ExitedAt}, nil
}

func (s *service) Kill(ctx context.Context, r *taskAPI.KillRequest) (*emptypb.Empty, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Kill(ctx, r)
	}
	return &emptypb.Empty{}, errdefs.ToGRPC(s.killVM(v, r.Signal))
}

func (s *service) Delete(ctx context.Context, r *taskAPI.DeleteRequest) (*taskAPI.DeleteResponse, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		resp, err := t.Delete(ctx, r)
		if err == nil && r.ExecID == "" {
			s.mu.Lock()
			delete(s.runcIDs, r.ID)
			s.mu.Unlock()
		}
		return resp, err
	}
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s", r.ExecID)
	}
	resp, err := s.deleteVM(ctx, v)
	return resp, errdefs.ToGRPC(err)
}

func (s *service) Pids(ctx context.Context, r *taskAPI.PidsRequest) (*taskAPI.PidsResponse, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Pids(ctx, r)
	}
	return v.pids(), nil
}

func (s *service) Stats(ctx context.Context, r *taskAPI.StatsRequest) (*taskAPI.StatsResponse, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Stats(ctx, r)
	}
	resp, err := v.stats()
	return resp, errdefs.ToGRPC(err)
}

func (s *service) Connect(ctx context.Context, r *taskAPI.ConnectRequest) (*taskAPI.ConnectResponse, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Connect(ctx, r)
	}
	return &taskAPI.ConnectResponse{ShimPid: uint32(os.Getpid()), TaskPid: uint32(v.pid)}, nil
}

func (s *service) CloseIO(ctx context.Context, r *taskAPI.CloseIORequest) (*emptypb.Empty, error) {
	_, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.CloseIO(ctx, r)
	}
	// A VM's standard input is /dev/null: there is nothing to close.
	return &emptypb.Empty{}, nil
}

func (s *service) ResizePty(ctx context.Context, r *taskAPI.ResizePtyRequest) (*emptypb.Empty, error) {
	_, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.ResizePty(ctx, r)
	}
	// A VM's console is no terminal: its size changes nothing.
	return &emptypb.Empty{}, nil
}

func (s *service) Exec(ctx context.Context, r *taskAPI.ExecProcessRequest) (*emptypb.Empty, error) {
	_, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Exec(ctx, r)
	}
	return nil, errExec()
}

func errExec() error {
	return errdefs.ToGRPCf(errdefs.ErrNotImplemented, "exec is not possible in a unikernel: it runs one program and has no shell or other programs to start (read its output with 'crictl logs' or 'kubectl logs')")
}

func (s *service) Pause(ctx context.Context, r *taskAPI.PauseRequest) (*emptypb.Empty, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Pause(ctx, r)
	}
	return &emptypb.Empty{}, errdefs.ToGRPC(s.pauseVM(ctx, v, true))
}

func (s *service) Resume(ctx context.Context, r *taskAPI.ResumeRequest) (*emptypb.Empty, error) {
	v, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Resume(ctx, r)
	}
	return &emptypb.Empty{}, errdefs.ToGRPC(s.pauseVM(ctx, v, false))
}

func (s *service) Checkpoint(ctx context.Context, r *taskAPI.CheckpointTaskRequest) (*emptypb.Empty, error) {
	_, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Checkpoint(ctx, r)
	}
	return nil, errdefs.ToGRPCf(errdefs.ErrNotImplemented, "checkpointing a unigo container is not supported yet")
}

func (s *service) Update(ctx context.Context, r *taskAPI.UpdateTaskRequest) (*emptypb.Empty, error) {
	_, t, err := s.backend(r.ID)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return t.Update(ctx, r)
	}
	return nil, errdefs.ToGRPCf(errdefs.ErrNotImplemented, "a running VM's resources cannot be changed yet")
}

// Shutdown ends the shim once it has no containers left (containerd asks
// after each container's deletion; a pod's shim outlives all but the
// last), the pod's runc shim first.
func (s *service) Shutdown(ctx context.Context, r *taskAPI.ShutdownRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	if len(s.vms) > 0 || len(s.runcIDs) > 0 {
		s.mu.Unlock()
		return &emptypb.Empty{}, nil
	}
	rs := s.runc
	s.runc = nil
	s.mu.Unlock()
	if rs != nil {
		rs.shutdown(ctx)
	}
	log.G(ctx).Debug("shutting the unigo shim down")
	s.sd.Shutdown()
	return &emptypb.Empty{}, nil
}
