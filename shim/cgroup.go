package shim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/containerd/cgroups/v3"
	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/cgroups/v3/cgroup2"
	"github.com/containerd/containerd/protobuf"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/protobuf/types/known/anypb"
)

// vmCgroup is the cgroup of a unigo container: the one its spec names
// (linux.cgroupsPath, kubelet's for the pod), holding the container
// process and QEMU, for accounting (Stats, `crictl stats`). No limit is
// set on it: the container's memory limit is the VM's memory, and QEMU
// needs some on top of that.
type vmCgroup struct {
	v1 cgroup1.Cgroup
	v2 *cgroup2.Manager
}

// cgroupPath is the cgroup the bundle's spec names, "" if none.
func cgroupPath(bundle string) (string, error) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return "", err
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return "", err
	}
	if spec.Linux == nil {
		return "", nil
	}
	return spec.Linux.CgroupsPath, nil
}

// deleteCgroup removes the cgroup the bundle's spec names, for the cleanup
// after a dead shim: once its processes are gone (QEMU ends a moment
// after the container process), within 5 seconds.
func deleteCgroup(bundle string) error {
	path, err := cgroupPath(bundle)
	if err != nil || path == "" || !filepath.IsAbs(path) {
		return err
	}
	var cg vmCgroup
	if cgroups.Mode() == cgroups.Unified {
		if cg.v2, err = cgroup2.Load(path); err != nil {
			return err
		}
	} else if cg.v1, err = cgroup1.Load(cgroup1.StaticPath(path)); err != nil {
		return err
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err = cg.delete(); err == nil || time.Now().After(deadline) {
			return err
		}
	}
}

// joinCgroup makes the cgroup the bundle's spec names and moves pid into
// it; nil when the spec names none.
func joinCgroup(bundle string, pid int) (*vmCgroup, error) {
	path, err := cgroupPath(bundle)
	if err != nil || path == "" {
		return nil, err
	}
	if !filepath.IsAbs(path) {
		// The systemd driver's slice:prefix:name form is not made here.
		return nil, fmt.Errorf("the cgroup %q is not a cgroupfs path: the unigo shim takes containerd's cgroupfs driver (SystemdCgroup = false) only", path)
	}
	var cg vmCgroup
	if cgroups.Mode() == cgroups.Unified {
		m, err := cgroup2.NewManager("/sys/fs/cgroup", path, &cgroup2.Resources{})
		if err != nil {
			return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
		}
		cg.v2 = m
		err = m.AddProc(uint64(pid))
		if err != nil {
			m.Delete()
			return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
		}
		return &cg, nil
	}
	c, err := cgroup1.New(cgroup1.StaticPath(path), &specs.LinuxResources{})
	if err != nil {
		return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
	}
	cg.v1 = c
	if err := c.AddProc(uint64(pid)); err != nil {
		c.Delete()
		return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
	}
	return &cg, nil
}

// stats are the cgroup's metrics as containerd's runc shim gives them.
func (cg *vmCgroup) stats() (*anypb.Any, error) {
	if cg.v2 != nil {
		m, err := cg.v2.Stat()
		if err != nil {
			return nil, err
		}
		return protobuf.MarshalAnyToProto(m)
	}
	m, err := cg.v1.Stat(cgroup1.IgnoreNotExist)
	if err != nil {
		return nil, err
	}
	return protobuf.MarshalAnyToProto(m)
}

func (cg *vmCgroup) delete() error {
	if cg.v2 != nil {
		return cg.v2.Delete()
	}
	return cg.v1.Delete()
}
