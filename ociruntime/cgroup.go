package ociruntime

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/containerd/cgroups/v3"
	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/cgroups/v3/cgroup2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Cgroup is a container's cgroup, the one its spec names
// (linux.cgroupsPath: Docker's /docker/ID, kubelet's for the pod),
// holding the container process and QEMU, its child: what `docker stats`
// and `crictl stats` read, as they read runc's. The container's memory
// limit is the VM's memory; the cgroup's is that and QEMUOverhead, so the
// whole container stays bounded (as Kata bounds its pods), and a QEMU that
// outgrows it is killed as the cgroup's OOM, which the engines report.
// One of V1 and V2 is set, by the host's cgroup mode.
type Cgroup struct {
	V1 cgroup1.Cgroup
	V2 *cgroup2.Manager
}

// QEMUOverhead is the memory a container's cgroup allows beyond its VM's:
// QEMU's own (its heap, the TCG code cache under emulation, the pages of
// its binary and libraries the cgroup is charged for). Measured: 88 MiB
// resident for a 64 MiB VM serving HTTP under load, of which the guest's
// pages are the larger part. Kubernetes' RuntimeClass declares it as its
// pod overhead (docs/kubernetes.md).
const QEMUOverhead = 96 << 20

// JoinCgroup makes the cgroup at path (absolute, as the cgroupfs driver
// gives it) and moves pid into it; with vmMemory > 0, the cgroup's memory
// limit is vmMemory + QEMUOverhead (0 leaves an existing cgroup's limit).
func JoinCgroup(path string, pid int, vmMemory int64) (*Cgroup, error) {
	if !filepath.IsAbs(path) {
		// The systemd driver's slice:prefix:name form is not made here.
		return nil, fmt.Errorf("the cgroup %q is not a cgroupfs path: unigo takes the cgroupfs driver's cgroups only", path)
	}
	var cg Cgroup
	if cgroups.Mode() == cgroups.Unified {
		res := &cgroup2.Resources{}
		if vmMemory > 0 {
			max := vmMemory + QEMUOverhead
			res.Memory = &cgroup2.Memory{Max: &max}
		}
		m, err := cgroup2.NewManager("/sys/fs/cgroup", path, res)
		if err != nil {
			return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
		}
		if err := m.AddProc(uint64(pid)); err != nil {
			m.Delete()
			return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
		}
		cg.V2 = m
		return &cg, nil
	}
	res := &specs.LinuxResources{}
	if vmMemory > 0 {
		max := vmMemory + QEMUOverhead
		res.Memory = &specs.LinuxMemory{Limit: &max}
	}
	c, err := cgroup1.New(cgroup1.StaticPath(path), res)
	if err != nil {
		return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
	}
	if err := c.AddProc(uint64(pid)); err != nil {
		c.Delete()
		return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
	}
	cg.V1 = c
	return &cg, nil
}

// DeleteCgroup removes the cgroup at path once its processes are gone
// (QEMU ends a moment after the container process), waiting at most 5
// seconds; nothing when there is none.
func DeleteCgroup(path string) error {
	if path == "" || !filepath.IsAbs(path) {
		return nil
	}
	cg, err := LoadCgroup(path)
	if err != nil {
		return nil // gone already
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err = cg.Delete(); err == nil || time.Now().After(deadline) {
			return err
		}
	}
}

// LoadCgroup is the existing cgroup at path.
func LoadCgroup(path string) (*Cgroup, error) {
	var cg Cgroup
	var err error
	if cgroups.Mode() == cgroups.Unified {
		cg.V2, err = cgroup2.Load(path)
	} else {
		cg.V1, err = cgroup1.Load(cgroup1.StaticPath(path))
	}
	if err != nil {
		return nil, fmt.Errorf("the container's cgroup %s: %w", path, err)
	}
	return &cg, nil
}

// Freeze stops every process of the cgroup (the container process and
// QEMU: the VM, its clocks included, stands still), as runc pauses.
func (cg *Cgroup) Freeze() error {
	if cg.V2 != nil {
		return cg.V2.Freeze()
	}
	return cg.V1.Freeze()
}

// Thaw lets a frozen cgroup's processes run again.
func (cg *Cgroup) Thaw() error {
	if cg.V2 != nil {
		return cg.V2.Thaw()
	}
	return cg.V1.Thaw()
}

// Delete removes the cgroup; it fails while processes are in it.
func (cg *Cgroup) Delete() error {
	if cg.V2 != nil {
		return cg.V2.Delete()
	}
	return cg.V1.Delete()
}

// cgroupsPath is the cgroup spec names, "" if none.
func cgroupsPath(spec *specs.Spec) string {
	if spec.Linux == nil {
		return ""
	}
	return spec.Linux.CgroupsPath
}
