package build

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"unigo.dev/unigo"
	"unigo.dev/unigo/image"
	"unigo.dev/unigo/internal/cpio"
)

// TestOptions says which package's tests to build.
type TestOptions struct {
	Package  string    // directory or import path; standard-library packages too
	Output   string    // the image to write
	Dir      string    // where relative paths start; empty: the current directory
	Toolexec string    // the unigo executable, run by go as -toolexec (see Toolexec)
	Progress io.Writer // nil: quiet
}

// TestPackage is what BuildTest learned about the package.
type TestPackage struct {
	ImportPath string
	Dir        string // its source directory: the tests' working directory
	HasTests   bool
}

// BuildTest links the package's test binary (go test -c) with the kernel
// and writes it as an image whose read-only root holds the package's
// directory at the same path, so that tests find testdata/ as under go test.
//
// The kernel import cannot be added with an overlay here (standard-library
// packages may not import other modules), so go runs the compiler and linker
// through Toolexec, which adds `import _ "unigo.dev/unigo/kernel"` to the
// generated test main package and the kernel's compiled packages to the
// compile and link import configurations.
func BuildTest(ctx context.Context, opts TestOptions) (*TestPackage, error) {
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	tmp, err := os.MkdirTemp("", "unigo-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	src, out, err := listPackage(ctx, dir, tmp, opts.Package, "Dir,ImportPath,Name,Module,TestGoFiles,XTestGoFiles,EmbedFiles,TestEmbedFiles,XTestEmbedFiles", true, progress, io.Discard)
	if err != nil {
		if _, ok := err.(*goError); !ok {
			return nil, err
		}
		return nil, fmt.Errorf("package %s not found: %s", opts.Package, goMessage(err))
	}
	var p pkgInfo
	var files struct {
		TestGoFiles, XTestGoFiles                   []string
		TestEmbedFiles, XTestEmbedFiles, EmbedFiles []string
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("%s matches several packages: name one", opts.Package)
	}
	json.Unmarshal(out, &files)
	pkg := &TestPackage{ImportPath: p.ImportPath, Dir: p.Dir, HasTests: len(files.TestGoFiles)+len(files.XTestGoFiles) > 0}
	if !pkg.HasTests {
		return pkg, nil
	}
	listDir, arg := src.dir, src.arg

	mods, err := mainModules(ctx, listDir, src.env)
	if err != nil {
		return nil, err
	}
	version, err := goCmd(ctx, listDir, src.env, "env", "GOVERSION")
	if err != nil {
		return nil, fmt.Errorf("cannot run the go command: %s", goMessage(err))
	}
	// Tests that use the network get the network stack, as apps do.
	deps, err := goCmd(ctx, listDir, src.env, "list", "-deps", "-test", "-f", "{{.ImportPath}}", arg)
	if err != nil {
		msg := goMessage(err)
		if strings.Contains(msg, "missing go.sum entry") && !src.versioned && p.Module != nil && !p.Module.Main {
			msg += fmt.Sprintf("\n(or let unigo fetch the tests' dependencies into a temporary module: unigo test %s@%s)", p.ImportPath, p.Module.Version)
		}
		return nil, fmt.Errorf("listing the packages of the tests of %s: %s", opts.Package, msg)
	}
	withNet := usesNet(strings.Fields(string(deps)))
	// The network stack comes in through a file overlaid on the package's
	// directory: for a package of the module cache, on its stand-in.
	overlayDir := p.Dir
	var replace []replacement
	if withNet {
		cached, err := inModCache(ctx, listDir, src.env, &p)
		if err != nil {
			return nil, err
		}
		if cached {
			root := filepath.Join(tmp, "standin")
			embeds := append(append(files.EmbedFiles, files.TestEmbedFiles...), files.XTestEmbedFiles...)
			if overlayDir, err = makeStandIn(root, p.Module.Dir, p.Dir, embeds); err != nil {
				return nil, err
			}
			replace = []replacement{{Path: p.Module.Path, Dir: root}}
		}
	}
	ws, err := planWorkspace(tmp, strings.TrimSpace(string(version)), mods, replace, func() (string, error) {
		return extractKernel(unigo.KernelSource, kernelModuleFor(withNet))
	})
	if err != nil {
		return nil, err
	}
	env := append(append(append([]string{}, targetEnv...), src.env...), ws.env...)

	// The kernel's compiled packages, as import-configuration lines.
	out, err = goCmd(ctx, listDir, env, "list", "-export", "-deps", "-f", "{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}", KernelPackage)
	if err != nil {
		return nil, fmt.Errorf("cannot compile the kernel: %s", goMessage(err))
	}
	if bytes.Contains(out, []byte("packagefile "+pkg.ImportPath+"=")) {
		return nil, fmt.Errorf("the kernel itself is built from %s, so its tests cannot run inside the unikernel (the test build would need two versions of it); run them with go test", pkg.ImportPath)
	}
	cfg := filepath.Join(tmp, "kernel.importcfg")
	if err := os.WriteFile(cfg, out, 0o644); err != nil {
		return nil, err
	}

	fmt.Fprintf(progress, "building tests of %s...\n", pkg.ImportPath)
	elf := filepath.Join(tmp, "test.elf")
	args := []string{"test", "-c", "-o", elf, "-ldflags", ldflags, "-toolexec", opts.Toolexec + " " + ToolexecCommand}
	if withNet {
		overlay, err := writeTestNetOverlay(tmp, overlayDir, p.Name)
		if err != nil {
			return nil, err
		}
		args = append(args, "-overlay", overlay)
	}
	args = append(args, arg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = listDir
	cmd.Env = append(append(os.Environ(), env...), toolexecCfgEnv+"="+cfg)
	var msgs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msgs, &msgs
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -c %s failed (%v):\n%s", opts.Package, err, strings.TrimSpace(msgs.String()))
	}
	data, err := os.ReadFile(elf)
	if err != nil {
		return nil, err
	}
	root, err := testRoot(ctx, listDir, pkg.Dir)
	if err != nil {
		return nil, err
	}
	img, err := image.FromELFWithRootfs(data, root)
	if err != nil {
		return nil, fmt.Errorf("cannot make the tests of %s bootable: %w", opts.Package, err)
	}
	return pkg, image.WriteFile(opts.Output, img)
}

// TestNetOverlayFile is the external test file unigo test adds to a
// package whose tests use the network.
const TestNetOverlayFile = "zz_unigo_netstack_test.go"

// writeTestNetOverlay writes an -overlay that adds to the package in
// pkgDir an external test file importing the network stack. The stack
// imports net, os, sync...: coming in through the tests, it is compiled
// by go test against the package under test (the test variant, when the
// package is one of those), so testing even net links one copy of each.
// The kernel itself imports no other package and comes through Toolexec.
func writeTestNetOverlay(tmp, pkgDir, name string) (string, error) {
	src := filepath.Join(tmp, TestNetOverlayFile)
	text := "package " + name + "_test\n\nimport _ \"" + NetstackPackage + "\"\n"
	if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
		return "", err
	}
	data, err := json.Marshal(struct{ Replace map[string]string }{
		Replace: map[string]string{filepath.Join(pkgDir, TestNetOverlayFile): src},
	})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(tmp, "test-overlay.json")
	return overlay, os.WriteFile(overlay, data, 0o644)
}

// mainModules lists the main modules of dir's context.
func mainModules(ctx context.Context, dir string, env []string) ([]mainModule, error) {
	out, err := goCmd(ctx, dir, env, "list", "-m", "-f", "{{.Path}}\t{{.Dir}}")
	if err != nil {
		return nil, fmt.Errorf("finding the module: %s (run unigo test inside a Go module)", goMessage(err))
	}
	var mods []mainModule
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, mdir, ok := strings.Cut(line, "\t"); ok && mdir != "" {
			mods = append(mods, mainModule{Path: path, Dir: mdir})
		}
	}
	return mods, nil
}

// ExpandPatterns turns package patterns with "..." into the packages they
// match (others are kept as given), as go test does.
func ExpandPatterns(ctx context.Context, dir string, patterns []string) ([]string, error) {
	var out []string
	for _, p := range patterns {
		if !strings.Contains(p, "...") {
			out = append(out, p)
			continue
		}
		list, err := goCmd(ctx, dir, nil, "list", p)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", p, goMessage(err))
		}
		out = append(out, strings.Fields(string(list))...)
	}
	return out, nil
}

// ZoneinfoEnv is the environment variable that tells a test binary where the
// time zone database packed into its root is.
const ZoneinfoEnv = "ZONEINFO"

// testRoot packs the image root of a test binary: the package directory at
// its own path, every testdata/ directory above it (standard-library tests
// read ../../testdata), and Go's time zone database at its GOROOT path.
func testRoot(ctx context.Context, listDir, pkgDir string) ([]byte, error) {
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	if err := w.AddDir(pkgDir, pkgDir); err != nil {
		return nil, fmt.Errorf("packing %s: %w", pkgDir, err)
	}
	for d := filepath.Dir(pkgDir); d != filepath.Dir(d); d = filepath.Dir(d) {
		td := filepath.Join(d, "testdata")
		if st, err := os.Stat(td); err == nil && st.IsDir() {
			if err := w.AddDir(td, td); err != nil {
				return nil, fmt.Errorf("packing %s: %w", td, err)
			}
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			break
		}
	}
	if goroot, err := goCmd(ctx, listDir, nil, "env", "GOROOT"); err == nil {
		zip := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip")
		if data, err := os.ReadFile(zip); err == nil {
			w.Entry(strings.TrimPrefix(zip, "/"), cpio.ModeRegular|0o644, 0, data)
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TestEnv is the environment a test binary runs with inside the unikernel.
func TestEnv(ctx context.Context) []string {
	if goroot, err := goCmd(ctx, "", nil, "env", "GOROOT"); err == nil {
		return []string{ZoneinfoEnv + "=" + filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip")}
	}
	return nil
}
