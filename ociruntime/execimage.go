package ociruntime

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

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
	prog, err := findCommand(rootfs, args[0], spec.Process.Env)
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

// findCommand resolves the command's first word in the root file system as
// a shell would: a name with a slash as it is (relative to /), a bare name
// through the PATH of the container's environment.
func findCommand(rootfs, name string, env []string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("the container's command is empty")
	}
	if strings.Contains(name, "/") {
		return path.Clean("/" + name), nil
	}
	dirs := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			dirs = v
		}
	}
	for _, d := range filepath.SplitList(dirs) {
		if !path.IsAbs(d) {
			continue
		}
		p := path.Join(d, name)
		if host, err := build.ImagePath(rootfs, p); err == nil && isFile(host) {
			return p, nil
		}
	}
	return "", fmt.Errorf("the container's command %q is not in its root file system (PATH %s)", name, dirs)
}

// rootfsOf is the bundle's root file system, absolute.
func rootfsOf(bundle string, spec *specs.Spec) string {
	if filepath.IsAbs(spec.Root.Path) {
		return spec.Root.Path
	}
	return filepath.Join(bundle, spec.Root.Path)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
