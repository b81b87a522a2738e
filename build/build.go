// Package build turns a Go main package into a unigo image: it links the app
// with the guest kernel for linux/amd64 using the stock go command, then makes
// the executable bootable (package image).
//
// The app's module never has to mention unigo: the kernel's source is carried
// inside unigo (unigo.KernelSource), extracted into the user's cache as a
// module, and joined to the app's module with a temporary go.work; the import
// that pulls it into the app is added with go build -overlay, so the app's
// files are never touched. A package in the module cache, where the go
// command refuses overlays, is built from a stand-in of its module outside
// the cache (modcache.go); PKG@VERSION in a temporary module (fetch.go).
package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"unigo.dev/unigo"
	"unigo.dev/unigo/image"
	"unigo.dev/unigo/store"
)

// Options says what to build.
type Options struct {
	// Package is the app's main package: a directory (./examples/hello,
	// /abs/dir) or an import path.
	Package string
	// Output is the image file to write. Empty means "<name>.img" in Dir,
	// where name is DefaultName of the package's import path.
	Output string
	// Dir is the directory relative paths are taken from; empty means the
	// current directory.
	Dir string
	// Progress receives one line per step, and the go command's messages
	// when it fails; nil means quiet.
	Progress io.Writer
	// Verbose adds the commands run and the files generated to Progress.
	Verbose bool
	// Kernel is the kernel's source tree (paths beginning "kernel/"); nil
	// means unigo.KernelSource. Tests give a small stand-in.
	Kernel fs.FS
	// Rootfs is a directory whose contents become the image's read-only
	// root file system ("/"); empty means an empty root.
	Rootfs string
	// linkFlags replaces the linker flags: the kernel of unmodified
	// executables is linked higher and told so (execLinkFlags).
	linkFlags string
	// progressLine replaces the progress line that names the package and
	// the toolchain (the kernel of unmodified executables says what it is).
	progressLine string
}

// Result is what Build made.
type Result struct {
	Image     string     // the image file written
	Name      string     // DefaultName of the package: the image's default name
	Dir       string     // the package's directory
	GoVersion string     // the go command's version, such as go1.26.1
	Kernel    string     // sha256 of the kernel source linked in ("sha256:HEX")
	Config    *AppConfig // the package's unigo.yaml; nil when it has none
}

// Manifest is what the image store records about the image.
func (r *Result) Manifest() store.Manifest {
	m := store.Manifest{GoVersion: r.GoVersion, Kernel: r.Kernel}
	if r.Config != nil {
		m.Config = r.Config.Run
	}
	return m
}

// Build builds the image. Its steps, in order: find the package and its
// module; read its unigo.yaml; make the kernel module available to it; link
// with the kernel's entry point; turn the executable into an image; write it
// atomically.
func Build(ctx context.Context, opts Options) (*Result, error) {
	dir, err := baseDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	if opts.Package == "" {
		opts.Package = "."
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	verbose := io.Discard
	if opts.Verbose {
		verbose = progress
	}
	tmp, err := os.MkdirTemp("", "unigo-build-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	l, err := link(ctx, opts, dir, tmp, progress, verbose)
	if err != nil {
		return nil, err
	}
	cfg := l.cfg
	output := opts.Output
	if output == "" {
		output = filepath.Join(dir, DefaultName(l.pkg.ImportPath)+".img")
	} else if !filepath.IsAbs(output) {
		output = filepath.Join(dir, output)
	}
	data, err := os.ReadFile(l.elf)
	if err != nil {
		return nil, fmt.Errorf("cannot read the linked executable: %w", err)
	}
	var img []byte
	rootDir, files := opts.Rootfs, map[string]string(nil)
	if rootDir != "" && !filepath.IsAbs(rootDir) {
		rootDir = filepath.Join(dir, rootDir)
	}
	if cfg != nil {
		if rootDir == "" {
			rootDir = cfg.Rootfs // --rootfs wins over unigo.yaml
		}
		files = cfg.Files
	}
	if rootDir != "" || len(files) > 0 {
		root, rerr := packRoot(rootDir, files, nil)
		if rerr != nil {
			return nil, rerr
		}
		img, err = image.FromELFWithRootfs(data, root)
	} else {
		img, err = image.FromELF(data)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot make %s bootable: %w: this is a unigo bug, please report it", l.label, err)
	}
	if err := image.WriteFile(output, img); err != nil {
		return nil, fmt.Errorf("%w: check that the directory exists and is writable", err)
	}
	fmt.Fprintf(progress, "wrote %s (%s)\n", displayPath(dir, output), HumanSize(int64(len(img))))
	return &Result{Image: output, Name: DefaultName(l.pkg.ImportPath), Dir: l.pkg.Dir, GoVersion: l.version, Kernel: "sha256:" + l.kernelSum, Config: cfg}, nil
}

// linked is the app linked with the kernel: the executable go build wrote,
// before it becomes an image.
type linked struct {
	elf       string     // the executable, in the build's temporary directory
	pkg       *pkgInfo   // the app's package
	cfg       *AppConfig // its unigo.yaml; nil when it has none
	label     string     // the package as the progress lines name it
	version   string     // the go command's version
	kernelSum string     // sha256 of the kernel source linked in (hex)
}

// link finds the package and its module, reads its unigo.yaml, makes the
// kernel module available to it and links it with the kernel's entry
// point into an executable under tmp.
func link(ctx context.Context, opts Options, dir, tmp string, progress, verbose io.Writer) (*linked, error) {
	kernel := opts.Kernel
	if kernel == nil {
		kernel = unigo.KernelSource
	}
	pkg, mods, src, err := resolve(ctx, dir, tmp, opts.Package, progress, verbose)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(pkg.Dir)
	if err != nil {
		return nil, err
	}
	if cfg != nil && cfg.NetStack {
		return nil, fmt.Errorf("%s: net_stack is for unmodified executables (unigo build --exec): a Go package's image has the network stack when the package imports net", cfg.Path)
	}
	// A package in the module cache is built from a stand-in outside it,
	// where the kernel import may be added.
	target, pkgDir, versionDir := pkg.Dir, pkg.Dir, pkg.Dir
	var replace []replacement
	cached, err := inModCache(ctx, src.dir, src.env, pkg)
	if err != nil {
		return nil, err
	}
	if cached {
		root := filepath.Join(tmp, "standin")
		if pkgDir, err = makeStandIn(root, pkg.Module.Dir, pkg.Dir, pkg.EmbedFiles); err != nil {
			return nil, err
		}
		replace = []replacement{{Path: pkg.Module.Path, Dir: root}}
		target, versionDir = pkg.ImportPath, src.dir
	}
	// Asked in the package's directory (or, for a module of the cache, where
	// it was found): that module's go line may select another toolchain than
	// the current directory's.
	goVersion, err := goCmd(ctx, versionDir, src.env, "env", "GOVERSION")
	if err != nil {
		return nil, fmt.Errorf("cannot run the go command: %s", goMessage(err))
	}
	version := strings.TrimSpace(string(goVersion))
	if opts.progressLine != "" {
		fmt.Fprintln(progress, opts.progressLine)
	} else {
		fmt.Fprintf(progress, "building %s (%s, linux/amd64)...\n", src.label, version)
	}

	// The network stack only goes into apps that use the network.
	withNet := usesNet(pkg.Deps)
	var kernelSum string
	ws, err := planWorkspace(tmp, version, mods, replace, func() (string, error) {
		dir, err := extractKernel(kernel, kernelModuleFor(withNet))
		kernelSum = filepath.Base(dir)
		return dir, err
	})
	if err != nil {
		return nil, err
	}
	overlay, err := writeOverlay(tmp, pkgDir, withNet)
	if err != nil {
		return nil, err
	}
	if ws.goWork != "" {
		data, _ := os.ReadFile(ws.goWork)
		fmt.Fprintf(verbose, "go.work (%s):\n%s", ws.goWork, indent(string(data)))
	}
	fmt.Fprintf(verbose, "overlay: %s = %q\n", filepath.Join(pkgDir, OverlayFile), overlaySource(withNet))

	elfPath := filepath.Join(tmp, "app.elf")
	flags := ldflags
	if opts.linkFlags != "" {
		flags = opts.linkFlags
	}
	if err := goBuild(ctx, buildDir(dir, pkg, ws), ws.env, overlay, flags, elfPath, target, progress, verbose); err != nil {
		return nil, err
	}

	if kernelSum == "" {
		kernelSum = moduleKernelSum(mods, withNet)
	}
	return &linked{elf: elfPath, pkg: pkg, cfg: cfg, label: src.label, version: version, kernelSum: kernelSum}, nil
}

// moduleKernelSum hashes the kernel source of the main module that has it
// (unigo's own, when the app lives there): that is the kernel linked in.
func moduleKernelSum(mods []mainModule, withNet bool) string {
	for _, m := range mods {
		if m.Path == ModulePath {
			if _, sum, err := kernelFiles(os.DirFS(m.Dir), kernelModuleFor(withNet)); err == nil {
				return sum
			}
		}
	}
	return "unknown"
}

// DefaultName is the name go build gives the executable of the package at
// importPath: its last element, or the one before a major version suffix
// (example.com/app/v2 → app). Images are called this plus ".img".
func DefaultName(importPath string) string {
	name := path.Base(importPath)
	if len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" && path.Dir(importPath) != "." {
		return path.Base(path.Dir(importPath))
	}
	return name
}

// buildDir is where go build runs. In workspace mode the go.work decides the
// modules, so the user's directory is used and the compiler's file names
// are relative to it; with GOWORK=off it must be inside the module.
func buildDir(dir string, pkg *pkgInfo, ws workspace) string {
	if ws.goWork != "" || within(dir, pkg.Module.Dir) {
		return dir
	}
	return pkg.Module.Dir
}

// goBuild links the app with the kernel into out. The package is its
// directory, or its import path when it comes from a stand-in. The
// compiler's messages go to progress as they are.
func goBuild(ctx context.Context, dir string, env []string, overlay, ldflags, out, pkg string, progress, verbose io.Writer) error {
	args := []string{"build", "-overlay", overlay, "-ldflags", ldflags, "-o", out, pkg}
	fmt.Fprintf(verbose, "in %s: %s go %s\n", dir, strings.Join(append(append([]string{}, targetEnv...), env...), " "), strings.Join(quoteArgs(args), " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), targetEnv...), env...)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("build interrupted: %w", ctx.Err())
		}
		msg := strings.TrimSpace(output.String())
		if progress == io.Discard {
			return fmt.Errorf("go build failed (%v); fix the errors below:\n%s", err, msg)
		}
		fmt.Fprintln(progress, msg)
		return fmt.Errorf("go build failed (%v): fix the errors above", err)
	}
	if output.Len() > 0 {
		progress.Write(output.Bytes())
	}
	return nil
}

func within(dir, root string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// displayPath shows p relative to dir when it is inside it.
func displayPath(dir, p string) string {
	if rel, err := filepath.Rel(dir, p); err == nil && within(p, dir) {
		return rel
	}
	return p
}

// HumanSize writes a size in bytes, KiB or MiB.
func HumanSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if line != "" {
			b.WriteString("\t" + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func quoteArgs(args []string) []string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \t\"'") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return q
}

// baseDir is the directory relative paths are taken from: dir, or the
// current directory when dir is "".
func baseDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot find the current directory: %w", err)
	}
	return wd, nil
}
