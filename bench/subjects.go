package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/build"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/floorguest"
)

// The subjects of the boot benchmark, in table order.
const (
	Floor = "floor" // the trivial PVH guest: what QEMU itself costs
	Linux = "linux" // Debian's cloud kernel with the app as /init
	Unigo = "unigo" // the unigo image of the app
)

var subjectLabels = map[string]string{
	Floor: "QEMU floor",
	Linux: "Linux microVM",
	Unigo: "unigo",
}

// part is one file a subject boots from; their sizes add up to its image
// size. A part with Counted false is reported for reference only.
type part struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Bytes   int64  `json:"bytes"`
	Counted bool   `json:"counted"`
}

// prepared is a subject ready to boot one app.
type prepared struct {
	spec  bootSpec
	how   string // how it boots, for people
	parts []part
	notes []string
}

func (p *prepared) addPart(name, path string, counted bool) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	p.parts = append(p.parts, part{Name: name, Path: path, Bytes: fi.Size(), Counted: counted})
	return nil
}

func (p *prepared) imageBytes() int64 {
	var n int64
	for _, pt := range p.parts {
		if pt.Counted {
			n += pt.Bytes
		}
	}
	return n
}

// preparer makes a subject bootable for one app, writing what it builds
// under dir.
type preparer func(ctx context.Context, app *goApp, dir string) (*prepared, error)

// prepareFloor writes the floor guest. It prints its own line whatever the
// app is.
func prepareFloor(_ context.Context, _ *goApp, dir string) (*prepared, error) {
	path := filepath.Join(dir, "floor.img")
	if err := floorguest.Write(path); err != nil {
		return nil, err
	}
	p := &prepared{
		spec: bootSpec{Kernel: path, Line: "floor"},
		how:  "trivial PVH guest (vmm/floorguest): prints one line on COM1, powers off",
	}
	return p, p.addPart("image", path, true)
}

// linuxPreparer returns the preparer of the Linux microVM baseline, sharing
// one fetched kernel between apps.
func linuxPreparer(cacheDir string, tscKHz int, tscSource string) preparer {
	var (
		kernel *linuxvm.Kernel
		kerr   error
		done   bool
	)
	return func(ctx context.Context, app *goApp, dir string) (*prepared, error) {
		if !done {
			kernel, kerr = linuxvm.Fetch(ctx, cacheDir)
			done = true
		}
		if kerr != nil {
			return nil, kerr
		}
		initrd := filepath.Join(dir, app.Name+".initramfs.cpio")
		if err := writeInitramfs(initrd, app.Binary); err != nil {
			return nil, fmt.Errorf("writing the initramfs: %w", err)
		}
		bootFile, how := kernel.BootFile()
		p := &prepared{
			spec: bootSpec{
				Kernel:  bootFile,
				Initrd:  initrd,
				Cmdline: vmm.Cmdline{Tokens: strings.Fields(linuxvm.CommandLine(tscKHz))},
				Line:    app.Line,
			},
			how: fmt.Sprintf("%s %s (%s kernel), %s; initramfs = the app as /init, uncompressed newc cpio",
				kernel.Package, kernel.Version, kernel.Compression, how),
		}
		if tscKHz > 0 {
			p.notes = append(p.notes, fmt.Sprintf("tsc_early_khz=%d from the host's %s", tscKHz, tscSource))
		}
		name := "vmlinux"
		if bootFile == kernel.BzImage {
			name = "bzImage"
		}
		if err := p.addPart(name, bootFile, true); err != nil {
			return nil, err
		}
		if err := p.addPart("initramfs", initrd, true); err != nil {
			return nil, err
		}
		if bootFile != kernel.BzImage {
			if err := p.addPart("bzImage (as shipped, not booted)", kernel.BzImage, false); err != nil {
				return nil, err
			}
		}
		return p, nil
	}
}

func writeInitramfs(path, binary string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := linuxvm.WriteInitramfs(f, binary); err != nil {
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

func unigoPreparer(build BuildFunc) preparer {
	if build == nil {
		build = buildUnigo
	}
	return func(ctx context.Context, app *goApp, dir string) (*prepared, error) {
		out := filepath.Join(dir, app.Name+".unigo.img")
		if err := build(ctx, app.Dir, out); err != nil {
			return nil, fmt.Errorf("unigo build: %w", err)
		}
		p := &prepared{
			spec: bootSpec{Kernel: out, Cmdline: vmm.Cmdline{Args: []string{app.Name}}, Line: app.Line},
			how:  "unigo image through PVH",
		}
		return p, p.addPart("image", out, true)
	}
}
