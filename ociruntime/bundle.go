package ociruntime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/oci"
	"unigo.dev/unigo/volume"
)

// errPlainImage is readBundle's answer for a root file system without a
// unigo image: an ordinary container image.
var errPlainImage = errors.New("the container's root file system holds no unigo image")

// readBundle turns a bundle (config.json and its root file system) into a
// run configuration: the unigo image from the rootfs (oci.KernelPath, with
// its descriptor), the process's args (the entrypoint, /.unigo/kernel,
// dropped) and environment, the memory limit, the mounts (mounts).
func readBundle(bundle string) (*specs.Spec, launch.Config, error) {
	var cfg launch.Config
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, cfg, fmt.Errorf("cannot read the bundle's config.json: %w", err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, cfg, fmt.Errorf("the bundle's config.json is not valid: %v", err)
	}
	if spec.Root == nil || spec.Process == nil {
		return nil, cfg, errors.New("the bundle's config.json has no root or no process")
	}
	rootfs := rootfsOf(bundle, &spec)
	kernel := filepath.Join(rootfs, oci.KernelPath)
	desc, err := oci.ReadDescriptor(filepath.Join(rootfs, oci.DescriptorPath))
	plain := errors.Is(err, os.ErrNotExist)
	if err != nil && !plain {
		return nil, cfg, err
	}
	args := spec.Process.Args
	if len(args) > 0 && args[0] == oci.KernelPath {
		args = args[1:]
	}
	cfg = launch.Config{
		Image:  kernel,
		Argv0:  argv0(spec),
		Args:   args,
		Env:    spec.Process.Env,
		Memory: desc.Memory,
		Tmpfs:  desc.Tmpfs,
		// Docker's --read-only; the image's own read_only counts too.
		ReadOnly: spec.Root != nil && spec.Root.Readonly || desc.ReadOnly,
	}
	if l := memoryLimit(&spec); l > 0 {
		cfg.Memory = l
	}
	if err := mounts(spec.Mounts, &cfg); err != nil {
		return nil, cfg, err
	}
	if plain {
		// No unigo image: the command may be a static executable
		// (execConfig, once the container has a directory).
		return &spec, cfg, errPlainImage
	}
	return &spec, cfg, nil
}

// mounts turns config.json's mounts into the guest's file systems: a bind
// mount of a directory (Docker's -v /host/dir:/path, and a named volume,
// which Docker binds from /var/lib/docker/volumes/NAME/_data) becomes a
// shared directory, read-only with "ro"; a tmpfs mount, a tmpfs directory
// of the guest. The kernel's own (/proc, /dev, /sys and what is under
// them, /tmp) and the files Docker binds for every container (/etc/hosts,
// /etc/resolv.conf, /etc/hostname: the guest's come from its network
// configuration) are left out. A bind mount of a single file cannot be
// shared and is refused.
func mounts(ms []specs.Mount, cfg *launch.Config) error {
	for _, m := range ms {
		dst := path.Clean(m.Destination)
		if !path.IsAbs(dst) || dst == "/" || kernelOwned(dst) {
			continue
		}
		switch {
		case m.Type == "tmpfs":
			if dst != "/tmp" && !slices.Contains(cfg.Tmpfs, dst) {
				cfg.Tmpfs = append(cfg.Tmpfs, dst)
			}
		case m.Type == "bind" || slices.Contains(m.Options, "bind") || slices.Contains(m.Options, "rbind"):
			st, err := os.Stat(m.Source)
			if err != nil {
				return fmt.Errorf("the bind mount at %s: %v", dst, err)
			}
			if !st.IsDir() {
				return fmt.Errorf("the bind mount of the file %s at %s: a unigo VM shares directories only; bind the directory that holds it", m.Source, dst)
			}
			cfg.Volumes = append(cfg.Volumes, volume.Mount{Source: m.Source, Dir: m.Source, Target: dst,
				ReadOnly: slices.Contains(m.Options, "ro")})
		}
	}
	return nil
}

// kernelOwned reports whether a mount's destination is one the guest
// kernel provides itself, or one of the per-container files Docker binds.
func kernelOwned(dst string) bool {
	switch dst {
	case "/etc/hosts", "/etc/resolv.conf", "/etc/hostname":
		return true
	}
	for _, top := range []string{"/proc", "/dev", "/sys"} {
		if dst == top || strings.HasPrefix(dst, top+"/") {
			return true
		}
	}
	return false
}

// argv0 is the app's os.Args[0]: the image's name as Docker records it in
// an annotation when it does, else "app".
func argv0(spec specs.Spec) string {
	for _, k := range []string{"org.opencontainers.image.ref.name", "io.kubernetes.cri.image-name"} {
		if v := spec.Annotations[k]; v != "" {
			v = v[strings.LastIndex(v, "/")+1:]
			v, _, _ = strings.Cut(v, ":")
			v, _, _ = strings.Cut(v, "@")
			return v
		}
	}
	return "app"
}

// memoryLimit is the container's memory limit (docker run --memory, the
// Kubernetes container's limit), 0 when it has none.
func memoryLimit(spec *specs.Spec) int64 {
	if l := spec.Linux; l != nil && l.Resources != nil && l.Resources.Memory != nil && l.Resources.Memory.Limit != nil && *l.Resources.Memory.Limit > 0 {
		return *l.Resources.Memory.Limit
	}
	return 0
}
