package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// memCgroup is a memory cgroup the benchmark makes to run a native
// process under a memory limit, as a container runs under its own.
type memCgroup struct {
	dir string
}

// CgroupRoot returns where memory cgroups are made: the unified (v2)
// hierarchy when it has the memory controller, else the v1 memory
// hierarchy.
func CgroupRoot() (dir string, v2 bool, err error) {
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && slices.Contains(strings.Fields(string(b)), "memory") {
		return "/sys/fs/cgroup", true, nil
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes"); err == nil {
		return "/sys/fs/cgroup/memory", false, nil
	}
	return "", false, errors.New("no memory cgroup controller is mounted (neither /sys/fs/cgroup with memory in cgroup.controllers nor /sys/fs/cgroup/memory)")
}

// newMemCgroup makes a memory cgroup limited to mib MiB, without swap.
func newMemCgroup(mib int) (*memCgroup, error) {
	root, v2, err := CgroupRoot()
	if err != nil {
		return nil, err
	}
	c := &memCgroup{dir: filepath.Join(root, UniqueName())}
	if err := os.Mkdir(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("making a memory cgroup (needs root): %w", err)
	}
	limit := fmt.Sprint(int64(mib) << 20)
	set := func(file, v string, optional bool) error {
		err := os.WriteFile(filepath.Join(c.dir, file), []byte(v), 0o644)
		if err != nil && optional && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if v2 {
		err = errors.Join(set("memory.max", limit, false), set("memory.swap.max", "0", true))
	} else {
		err = errors.Join(set("memory.limit_in_bytes", limit, false), set("memory.memsw.limit_in_bytes", limit, true))
	}
	if err != nil {
		c.remove()
		return nil, fmt.Errorf("setting the memory cgroup's limit: %w", err)
	}
	return c, nil
}

// procs is the file a process writes "0" to to join the cgroup.
func (c *memCgroup) procs() string { return filepath.Join(c.dir, "cgroup.procs") }

// remove deletes the cgroup once its processes are gone.
func (c *memCgroup) remove() {
	for range 50 {
		if err := os.Remove(c.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
