package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/build"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/floorguest"
)

// Part is one file an artifact is made of; their sizes add up to its size.
// A part with Counted false is reported for reference only.
type Part struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Bytes   int64  `json:"bytes"`
	Counted bool   `json:"counted"`
}

// Artifact is what a subject runs one app from, made ready: its files, how
// it runs, and, for a VM subject, what the VM boots.
type Artifact struct {
	How   string // how it runs, for people
	Parts []Part
	Notes []string
	VM    *VM // nil for a subject that is not a VM
}

// AddPart adds the file at path as a part.
func (a *Artifact) AddPart(name, path string, counted bool) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	a.Parts = append(a.Parts, Part{Name: name, Path: path, Bytes: fi.Size(), Counted: counted})
	return nil
}

// Bytes is the size of the counted parts.
func (a *Artifact) Bytes() int64 {
	var n int64
	for _, p := range a.Parts {
		if p.Counted {
			n += p.Bytes
		}
	}
	return n
}

// FloorGuest writes the floor guest into dir. It prints its own line whatever
// the app is.
func FloorGuest(dir string) (*Artifact, error) {
	path := filepath.Join(dir, "floor.img")
	if err := floorguest.Write(path); err != nil {
		return nil, err
	}
	a := &Artifact{
		How: "trivial PVH guest (vmm/floorguest): prints one line on COM1, powers off",
		VM:  &VM{Spec: vmm.Spec{Image: path}, Match: LineMatcher("floor")},
	}
	return a, a.AddPart("image", path, true)
}

// LinuxBaseline makes the Linux microVM baseline of apps: Debian's cloud
// kernel, fetched once, with an app as /init.
type LinuxBaseline struct {
	CacheDir  string // where the kernel is cached (linuxvm.DefaultCacheDir)
	TSCKHz    int    // the host's TSC rate, given to the kernel (0: it calibrates)
	TSCSource string // where TSCKHz came from

	once   sync.Once
	kernel *linuxvm.Kernel
	err    error
}

// Kernel fetches the kernel, once.
func (l *LinuxBaseline) Kernel(ctx context.Context) (*linuxvm.Kernel, error) {
	l.once.Do(func() { l.kernel, l.err = linuxvm.Fetch(ctx, l.CacheDir) })
	return l.kernel, l.err
}

// Artifact writes the initramfs of app (the app as /init) into dir.
func (l *LinuxBaseline) Artifact(ctx context.Context, app *App, dir string) (*Artifact, error) {
	kernel, err := l.Kernel(ctx)
	if err != nil {
		return nil, err
	}
	initrd := filepath.Join(dir, app.Name+".initramfs.cpio")
	if err := writeInitramfs(initrd, func(f *os.File) error { return linuxvm.WriteInitramfs(f, app.Binary) }); err != nil {
		return nil, fmt.Errorf("writing the initramfs: %w", err)
	}
	bootFile, how := kernel.BootFile()
	a := &Artifact{
		How: fmt.Sprintf("%s %s (%s kernel), %s; initramfs = the app as /init, uncompressed newc cpio",
			kernel.Package, kernel.Version, kernel.Compression, how),
		VM: &VM{
			Spec: vmm.Spec{Image: bootFile, Kind: vmm.KindLinux, Initrd: initrd,
				Cmdline: vmm.Cmdline{Tokens: strings.Fields(linuxvm.CommandLine(l.TSCKHz))}},
			Match: LineMatcher(app.Line),
		},
	}
	if l.TSCKHz > 0 {
		a.Notes = append(a.Notes, fmt.Sprintf("tsc_early_khz=%d from the host's %s", l.TSCKHz, l.TSCSource))
	}
	name := "vmlinux"
	if bootFile == kernel.BzImage {
		name = "bzImage"
	}
	if err := a.AddPart(name, bootFile, true); err != nil {
		return nil, err
	}
	if err := a.AddPart("initramfs", initrd, true); err != nil {
		return nil, err
	}
	if bootFile != kernel.BzImage {
		if err := a.AddPart("bzImage (as shipped, not booted)", kernel.BzImage, false); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// HelperInitramfs writes to out the initramfs of the Linux baseline when
// the app needs a network or a disk: the benchmark's helper as /init,
// which loads the kernel modules (modules/), sets up what the kernel
// command line and the extra files ask for (the card's net.* tokens,
// /mounts), and executes the app (/app).
func HelperInitramfs(out, helper string, app *App, modules []string, extra ...linuxvm.File) error {
	files := append([]linuxvm.File{{Name: "init", Path: helper, Perm: 0o755}, {Name: "app", Path: app.Binary, Perm: 0o755}}, extra...)
	for _, m := range modules {
		files = append(files, linuxvm.File{Name: "modules/" + filepath.Base(m), Path: m, Perm: 0o644})
	}
	return writeInitramfs(out, func(f *os.File) error { return linuxvm.WriteInitramfsFiles(f, files) })
}

func writeInitramfs(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// BuildFunc builds the unigo image of the Go main package in appDir and
// writes it to out.
type BuildFunc func(ctx context.Context, appDir, out string) error

// buildUnigo is the BuildFunc of `unigo build`.
func buildUnigo(ctx context.Context, appDir, out string) error {
	_, err := build.Build(ctx, build.Options{Package: appDir, Output: out})
	return err
}

// UnigoImage builds the unigo image of app into dir with build (nil: `unigo
// build`); it boots through the launch layer as `unigo run IMAGE` does.
func UnigoImage(ctx context.Context, build BuildFunc, app *App, dir string) (*Artifact, error) {
	if app.Dir == "" {
		return nil, fmt.Errorf("%s is a program given as it is, not a Go package: it has no linked unigo image (boot it with unigo build --exec)", app.Binary)
	}
	if build == nil {
		build = buildUnigo
	}
	out := filepath.Join(dir, app.Name+".unigo.img")
	if err := build(ctx, app.Dir, out); err != nil {
		return nil, fmt.Errorf("unigo build: %w", err)
	}
	return unigoArtifact(app, out, "unigo image through PVH")
}

// ExecImage makes the unigo image that boots app's binary unmodified, as
// `unigo build --exec BINARY` makes it (build.Exec: the kernel of
// unmodified executables, the program in its root), into dir; it boots
// through the launch layer as `unigo run IMAGE` does, like UnigoImage's.
func ExecImage(ctx context.Context, app *App, dir string) (*Artifact, error) {
	out := filepath.Join(dir, app.Name+".exec.img")
	if _, err := build.Exec(ctx, build.ExecOptions{Program: app.Binary, Output: out}); err != nil {
		return nil, fmt.Errorf("unigo build --exec: %w", err)
	}
	return unigoArtifact(app, out, "unigo image of the unmodified executable (unigo build --exec: the kernel of unmodified executables, the program in its root) through PVH")
}

// unigoArtifact is the artifact of the unigo image out of app: booted
// through the launch layer, watched for app's line.
func unigoArtifact(app *App, out, how string) (*Artifact, error) {
	a := &Artifact{
		How: how,
		VM:  &VM{Unigo: &launch.Config{Image: out, Argv0: app.Name}, Match: LineMatcher(app.Line)},
	}
	return a, a.AddPart("image", out, true)
}

// WithUnigo returns vm with its unigo configuration changed by change, on
// a copy.
func (vm VM) WithUnigo(change func(*launch.Config)) VM {
	c := *vm.Unigo
	c.Env = append([]string(nil), c.Env...)
	change(&c)
	vm.Unigo = &c
	return vm
}
