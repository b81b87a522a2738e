package ociruntime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/volume"
)

// Docker's mounts: the kernel's own and the per-container files left
// out, bind mounts of directories shared, tmpfs mounts kept in memory.
func TestMounts(t *testing.T) {
	data, named, file := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	ms := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts"},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs"},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup"},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue"},
		{Destination: "/dev/shm", Type: "bind", Source: data, Options: []string{"rbind"}},
		{Destination: "/etc/resolv.conf", Type: "bind", Source: file, Options: []string{"rbind", "rprivate"}},
		{Destination: "/etc/hostname", Type: "bind", Source: file, Options: []string{"rbind", "rprivate"}},
		{Destination: "/etc/hosts", Type: "bind", Source: file, Options: []string{"rbind", "rprivate"}},
		{Destination: "/data", Type: "bind", Source: data, Options: []string{"rbind", "rprivate"}},
		{Destination: "/vol/", Source: named, Options: []string{"rbind", "ro", "rprivate"}},
		{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid"}},
		{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"},
	}
	var cfg launch.Config
	if err := mounts(ms, &cfg); err != nil {
		t.Fatal(err)
	}
	want := []volume.Mount{{Source: data, Dir: data, Target: "/data"}, {Source: named, Dir: named, Target: "/vol", ReadOnly: true}}
	if len(cfg.Volumes) != 2 || cfg.Volumes[0] != want[0] || cfg.Volumes[1] != want[1] {
		t.Fatalf("volumes %+v, want %+v", cfg.Volumes, want)
	}
	if len(cfg.Tmpfs) != 1 || cfg.Tmpfs[0] != "/scratch" {
		t.Fatalf("tmpfs %q", cfg.Tmpfs)
	}
	err := mounts([]specs.Mount{{Destination: "/conf.yaml", Type: "bind", Source: file}}, &launch.Config{})
	if err == nil || !strings.Contains(err.Error(), "shares directories only") {
		t.Fatalf("a file's bind mount: %v", err)
	}
}
