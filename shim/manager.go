package shim

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/runtime/v2/runc/manager"
	cdshim "github.com/containerd/containerd/runtime/v2/shim"
	"github.com/containerd/log"

	"unigo.dev/unigo/ociruntime"
)

// stateRoot holds the shims' container states (ociruntime's), one
// directory per containerd namespace.
const stateRoot = "/run/unigo-shim"

func runtimeRoot(ns string) string { return filepath.Join(stateRoot, ns) }

// shimManager starts and cleans up the shim processes for containerd. Its
// start is the runc shim manager's (the grouping of a pod's containers into
// one shim by the sandbox annotation, the socket, the shim's cgroup and
// OOM score); its stop is this shim's own.
type shimManager struct{ runc cdshim.Manager }

func newManager() cdshim.Manager { return shimManager{runc: manager.NewShimManager(RuntimeName)} }

func (m shimManager) Name() string { return RuntimeName }

func (m shimManager) Start(ctx context.Context, id string, opts cdshim.StartOpts) (string, error) {
	return m.runc.Start(ctx, id, opts)
}

// Stop cleans up after a shim that died (containerd's delete action, in
// the container's bundle): a unigo container's process is killed, taking
// its VM with it, and its state removed; a runc container is left to the
// runc shim's own cleanup.
func (m shimManager) Stop(ctx context.Context, id string) (cdshim.StopStatus, error) {
	ns, err := namespaces.NamespaceRequired(ctx)
	if err != nil {
		return cdshim.StopStatus{}, err
	}
	bundle, err := os.Getwd()
	if err != nil {
		return cdshim.StopStatus{}, err
	}
	if _, err := os.Stat(filepath.Join(bundle, "runtime")); err == nil {
		// The runc shim's container (it writes the runtime's name there):
		// through the pod's runc shim if it still runs, else by its delete
		// action.
		if st, ok := runcShimDelete(ctx, ns, id, bundle); ok {
			return st, nil
		}
		return runcCleanup(ctx, ns, id, bundle)
	}
	rt := ociruntime.New(runtimeRoot(ns), self())
	if _, err := rt.Status(id); err == nil {
		if err := rt.Delete(id); err != nil {
			log.G(ctx).WithError(err).Warn("removing the unigo container")
		}
	}
	if err := deleteCgroup(bundle); err != nil {
		log.G(ctx).WithError(err).Warn("removing the container's cgroup")
	}
	if err := mount.UnmountAll(filepath.Join(bundle, "rootfs"), 0); err != nil {
		log.G(ctx).WithError(err).Warn("unmounting the container's root file system")
	}
	return cdshim.StopStatus{ExitedAt: time.Now(), ExitStatus: 128 + int(syscall.SIGKILL)}, nil
}
