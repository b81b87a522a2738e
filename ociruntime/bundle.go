package ociruntime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/oci"
)

// readBundle turns a bundle (config.json and its root file system) into a
// run configuration: the unigo image from the rootfs (oci.KernelPath, with
// its descriptor), the process's args (the entrypoint, /.unigo/kernel,
// dropped) and environment, the memory limit.
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
	rootfs := spec.Root.Path
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	kernel := filepath.Join(rootfs, oci.KernelPath)
	desc, err := oci.ReadDescriptor(filepath.Join(rootfs, oci.DescriptorPath))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, cfg, fmt.Errorf("the container's root file system (%s) holds no unigo image (%s): this runtime boots unigo images only; run this image with Docker's default runtime (runc), or make a unigo image with 'unigo build -t NAME ./app' and 'unigo save NAME | docker load'", rootfs, oci.KernelPath)
		}
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
	if l := spec.Linux; l != nil && l.Resources != nil && l.Resources.Memory != nil && l.Resources.Memory.Limit != nil && *l.Resources.Memory.Limit > 0 {
		cfg.Memory = *l.Resources.Memory.Limit
	}
	return &spec, cfg, nil
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
