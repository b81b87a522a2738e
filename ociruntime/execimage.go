package ociruntime

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/launch"
)

// An ordinary container image whose command is a static executable (a
// `FROM scratch` image of a C, Rust or Go program) runs without a
// conversion step: its root file system and its command become an image
// of the kernel of unmodified executables (build.Exec, docs/exec-design.md),
// made in the container's state directory at create.

// runtimeOwned are the paths of a container's root file system that are
// the runtime's, not the image's: the kernel's own trees, and the files
// Docker makes empty to bind over (the guest's come from its network
// configuration). Packed, an empty /etc/hosts would hide localhost.
var runtimeOwned = []string{"/proc", "/sys", "/dev", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname"}

// execImage is the image file made in the container's directory.
const execImage = "exec.img"

// execConfig makes the image of a plain bundle's command in dir and
// returns the run configuration; an error says why the image cannot run
// (a dynamically linked command, a shell form, no such file).
func execConfig(ctx context.Context, spec *specs.Spec, rootfs, dir string, cfg launch.Config) (launch.Config, error) {
	args := spec.Process.Args
	if len(args) == 0 {
		return cfg, fmt.Errorf("the container has no command: give one (docker run IMAGE PROGRAM)")
	}
	prog, err := build.ProgramOf(rootfs, args, spec.Process.Env, spec.Process.Cwd, "command")
	if err != nil {
		return cfg, fmt.Errorf("%w, and %v", errPlainImage, err)
	}
	out := filepath.Join(dir, execImage)
	if _, err := build.Exec(ctx, build.ExecOptions{Rootfs: rootfs, Path: prog, Output: out, Progress: io.Discard, Omit: runtimeOwned}); err != nil {
		return cfg, fmt.Errorf("the container's root file system holds no unigo image, and its command cannot boot unmodified: %w; or make a unigo image with 'unigo build -t NAME ./app' (or 'unigo build --from IMAGE -t NAME') and 'unigo save NAME | docker load'", err)
	}
	cfg.Image = out
	cfg.Argv0 = prog
	cfg.Args = args[1:]
	cfg.Env = spec.Process.Env
	cfg.WorkingDir = spec.Process.Cwd
	if cfg.WorkingDir == "/" {
		cfg.WorkingDir = ""
	}
	return cfg, nil
}

// rootfsOf is the bundle's root file system, absolute.
func rootfsOf(bundle string, spec *specs.Spec) string {
	if filepath.IsAbs(spec.Root.Path) {
		return spec.Root.Path
	}
	return filepath.Join(bundle, spec.Root.Path)
}
