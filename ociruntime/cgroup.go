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
// and `crictl stats` read, as they read runc's. No limit is set on it: the
// container's memory limit is the VM's memory, and QEMU needs some on top.
// One of V1 and V2 is set, by the host's cgroup mode.
type Cgroup struct {
	V1 cgroup1.Cgroup
	V2 *cgroup2.Manager
}

// JoinCgroup makes the cgroup at path (absolute, as the cgroupfs driver
// gives it) and moves pid into it.
func JoinCgroup(path string, pid int) (*Cgroup, error) {
	if !filepath.IsAbs(path) {
		// The systemd driver's slice:prefix:name form is not made here.
		return nil, fmt.Errorf("the cgroup %q is not a cgroupfs path: unigo takes the cgroupfs driver's cgroups only", path)
	}
	var cg Cgroup
	if cgroups.Mode() == cgroups.Unified {
		m, err := cgroup2.NewManager("/sys/fs/cgroup", path, &cgroup2.Resources{})
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
	c, err := cgroup1.New(cgroup1.StaticPath(path), &specs.LinuxResources{})
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
