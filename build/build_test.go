package build

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"unigo.dev/unigo"
	"unigo.dev/unigo/image"
)

// fakeKernel stands in for the real kernel: it only has to provide the entry
// symbol, so that the tests check the build, not whether the kernel boots.
var fakeKernel = fstest.MapFS{
	"kernel/kernel.go":     {Data: []byte(fakeKernelGo)},
	"kernel/entry_amd64.s": {Data: []byte(fakeKernelAsm)},
	"kernel/sub/sub.go":    {Data: []byte("package sub\n")},
	// What an app that uses package net gets linked in as well.
	"kernel/netstack/netstack.go": {Data: []byte("package netstack\n")},
}

const (
	fakeKernelGo  = "// Package kernel is a stand-in for tests.\npackage kernel\n\nfunc pvhEntry()\n"
	fakeKernelAsm = "TEXT ·pvhEntry(SB),$0-0\n\tRET\n"
)

// writeTree writes files (path → content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const helloMain = `package main

import "fmt"

func main() { fmt.Println("hello") }
`

// appModule creates a module outside this repository, whose go.mod does not
// mention unigo.
func appModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"go.mod":             "module example.com/app\n\ngo 1.22\n",
		"cmd/hello/main.go":  helloMain,
		"lib/lib.go":         "package lib\n",
		"cmd/broken/main.go": "package main\n\nfunc main() { undefinedThing() }\n",
	})
	return dir
}

// isolateCache points the kernel cache at a fresh directory.
func isolateCache(t *testing.T) string {
	t.Helper()
	// The go command keeps its build cache under the same directory unless
	// told otherwise: keep using the real one, or every test rebuilds std.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache)))
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	return cache
}

// entryAddr is the address of the kernel's entry symbol in the ELF at path.
// The linker's -E takes the assembly (ABI0) function; when the package also
// has a Go-ABI wrapper for it, the ELF names the ABI0 one "….abi0".
func entryAddr(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]uint64{}
	for _, s := range syms {
		found[s.Name] = s.Value
	}
	for _, name := range []string{EntrySymbol + ".abi0", EntrySymbol} {
		if addr, ok := found[name]; ok {
			return addr
		}
	}
	t.Fatalf("%s has no symbol %s: the kernel was not linked in", path, EntrySymbol)
	return 0
}

func TestBuildAppOutsideRepo(t *testing.T) {
	cache := isolateCache(t)
	app := appModule(t)
	var progress bytes.Buffer
	_, err := Build(context.Background(), Options{
		Package: "./cmd/hello", Dir: app, Progress: &progress, Verbose: true, Kernel: fakeKernel,
	})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, progress.String())
	}
	out := filepath.Join(app, "hello.img")
	info, err := image.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := entryAddr(t, out); info.Entry != want {
		t.Errorf("PVH entry %#x, want %s at %#x", info.Entry, EntrySymbol, want)
	}
	p := progress.String()
	for _, want := range []string{
		"building ./cmd/hello (go1.", ", linux/amd64)...\n",
		"GOWORK=" + os.TempDir(),
		"-ldflags \"-E unigo.dev/unigo/kernel.pvhEntry -T 0x101000\"",
		"wrote hello.img (",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("progress lacks %q:\n%s", want, p)
		}
	}

	// The kernel module was extracted to the cache, with its go.mod.
	mods, _ := filepath.Glob(filepath.Join(cache, "unigo", "kernel", "*", "go.mod"))
	if len(mods) != 1 {
		t.Fatalf("kernel cache holds %d modules, want 1", len(mods))
	}
	if data, _ := os.ReadFile(mods[0]); string(data) != "module unigo.dev/unigo\n\ngo 1.22\n" {
		t.Errorf("kernel go.mod = %q", data)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(mods[0]), "kernel", "sub", "sub.go")); err != nil {
		t.Errorf("kernel tree not extracted: %v", err)
	}

	// The app's module is untouched: no go.work, no new file, same go.mod.
	for _, name := range []string{"go.work", "go.sum", "cmd/hello/" + OverlayFile} {
		if _, err := os.Stat(filepath.Join(app, name)); err == nil {
			t.Errorf("build left %s in the app's module", name)
		}
	}

	// A second build reuses the extracted kernel.
	if _, err := Build(context.Background(), Options{Package: "example.com/app/cmd/hello", Output: "again.img", Dir: app, Kernel: fakeKernel}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "unigo", "kernel"))
	if len(entries) != 1 {
		t.Errorf("kernel cache has %d entries after a second build, want 1", len(entries))
	}
	if _, err := image.Open(filepath.Join(app, "again.img")); err != nil {
		t.Error(err)
	}
}

func TestBuildFromAnotherDirectory(t *testing.T) {
	isolateCache(t)
	app := appModule(t)
	elsewhere := t.TempDir() // not in any module
	out := filepath.Join(t.TempDir(), "h.img")
	if _, err := Build(context.Background(), Options{Package: filepath.Join(app, "cmd", "hello"), Output: out, Dir: elsewhere, Kernel: fakeKernel}); err != nil {
		t.Fatal(err)
	}
	if _, err := image.Open(out); err != nil {
		t.Error(err)
	}
}

func TestBuildOfflineWithDependency(t *testing.T) {
	// A module with a dependency that is in the module cache builds with the
	// network off.
	gomodcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(strings.TrimSpace(string(gomodcache)), "github.com", "spf13", "pflag@v1.0.9")); err != nil {
		t.Skip("github.com/spf13/pflag v1.0.9 is not in the module cache")
	}
	isolateCache(t)
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	// pflag imports net, so the kernel module requires gVisor's modules:
	// their go.mod files must be cached too.
	if err := exec.Command("go", "mod", "download", "-json", "gvisor.dev/gvisor").Run(); err != nil {
		t.Skip("gVisor's module is not in the module cache")
	}
	app := t.TempDir()
	writeTree(t, app, map[string]string{
		"go.mod": "module example.com/flags\n\ngo 1.22\n\nrequire github.com/spf13/pflag v1.0.9\n",
		"go.sum": "github.com/spf13/pflag v1.0.9 h1:9exaQaMOCwffKiiiYk6/BndUBv+iRViNW+4lEMi0PvY=\n" +
			"github.com/spf13/pflag v1.0.9/go.mod h1:McXfInJRrz4CZXVZOBLb0bTZqETkiAhM9Iw0y3An2Bg=\n",
		"main.go": "package main\n\nimport \"github.com/spf13/pflag\"\n\nfunc main() { pflag.Parse() }\n",
	})
	var progress bytes.Buffer
	if _, err := Build(context.Background(), Options{Dir: app, Progress: &progress, Kernel: fakeKernel}); err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if _, err := image.Open(filepath.Join(app, "flags.img")); err != nil {
		t.Error(err)
	}
}

func TestBuildInUnigoModule(t *testing.T) {
	// An app inside the unigo module (the examples) uses the kernel next to
	// it, with GOWORK=off, and never the cache.
	cache := isolateCache(t)
	repo := t.TempDir()
	writeTree(t, repo, map[string]string{
		"go.mod":                 "module unigo.dev/unigo\n\ngo 1.22\n",
		"kernel/kernel.go":       fakeKernelGo,
		"kernel/entry_amd64.s":   fakeKernelAsm,
		"examples/hello/main.go": helloMain,
	})
	var progress bytes.Buffer
	out := filepath.Join(t.TempDir(), "hello.img")
	_, err := Build(context.Background(), Options{Package: "./examples/hello", Output: out, Dir: repo, Progress: &progress, Verbose: true,
		Kernel: fstest.MapFS{}}) // would fail if used
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if !strings.Contains(progress.String(), "GOWORK=off go build") {
		t.Errorf("not built with GOWORK=off:\n%s", progress.String())
	}
	if _, err := os.Stat(filepath.Join(cache, "unigo")); err == nil {
		t.Errorf("the kernel was extracted to the cache")
	}
	if _, err := image.Open(out); err != nil {
		t.Error(err)
	}
}

func TestBuildErrors(t *testing.T) {
	isolateCache(t)
	app := appModule(t)
	noModule := t.TempDir()
	writeTree(t, noModule, map[string]string{"main.go": helloMain})
	tests := []struct {
		pkg  string
		dir  string
		want []string
	}{
		{"./nope", app, []string{"package ./nope not found: ", "nope: directory not found"}},
		{"example.com/app/nope", app, []string{"package example.com/app/nope not found: "}},
		{"./lib", app, []string{"package ./lib is not a main package (it is package lib): unigo builds programs; point it at a directory with package main"}},
		{"./...", app, []string{"is a pattern: unigo builds one main package"}},
		{"./cmd/hello/main.go", app, []string{"is a file: unigo builds a package"}},
		{".", noModule, []string{"package . not found: go.mod file not found"}},
	}
	for _, tt := range tests {
		_, err := Build(context.Background(), Options{Package: tt.pkg, Dir: tt.dir, Kernel: fakeKernel})
		for _, want := range tt.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Build(%s): %v\nwant it to contain %q", tt.pkg, err, want)
			}
		}
	}
}

func TestBuildCompileError(t *testing.T) {
	isolateCache(t)
	app := appModule(t)
	var progress bytes.Buffer
	_, err := Build(context.Background(), Options{Package: "./cmd/broken", Dir: app, Progress: &progress, Kernel: fakeKernel})
	if err == nil || !strings.Contains(err.Error(), "go build failed") {
		t.Fatalf("err = %v", err)
	}
	// The compiler's own words, with the file name relative to Dir.
	if !strings.Contains(progress.String(), "cmd/broken/main.go:3:15: undefined: undefinedThing") {
		t.Errorf("compiler output not shown:\n%s", progress.String())
	}
	if _, err := os.Stat(filepath.Join(app, "broken.img")); err == nil {
		t.Error("an image was written")
	}
	// Without a progress writer the messages are in the error.
	_, err = Build(context.Background(), Options{Package: "./cmd/broken", Dir: app, Kernel: fakeKernel})
	if err == nil || !strings.Contains(err.Error(), "undefined: undefinedThing") {
		t.Errorf("err = %v", err)
	}
}

func TestGoWorkFile(t *testing.T) {
	got := goWorkFile("go1.26.8", []string{"/home/u/app", "/home/u/.cache/unigo/kernel/abc", "/with space"}, []replacement{{Path: "example.com/dep", Dir: "/tmp/b/standin"}})
	want := "go 1.26.8\n\nuse (\n\t/home/u/app\n\t/home/u/.cache/unigo/kernel/abc\n\t\"/with space\"\n)\n\nreplace example.com/dep => /tmp/b/standin\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestOverlay(t *testing.T) {
	tmp := t.TempDir()
	ov, err := writeOverlay(tmp, "/src/app/cmd/hello", false)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(ov)
	want := `{"Replace":{"/src/app/cmd/hello/zz_unigo_kernel.go":"` + filepath.Join(tmp, "zz_unigo_kernel.go") + `"}}`
	if string(data) != want {
		t.Errorf("overlay = %s\nwant      %s", data, want)
	}
	src, _ := os.ReadFile(filepath.Join(tmp, OverlayFile))
	if string(src) != "package main\n\nimport _ \"unigo.dev/unigo/kernel\"\n" {
		t.Errorf("overlay source = %q", src)
	}
	if _, err := writeOverlay(tmp, "/src/app/cmd/hello", true); err != nil {
		t.Fatal(err)
	}
	src, _ = os.ReadFile(filepath.Join(tmp, OverlayFile))
	if want := "package main\n\nimport _ \"unigo.dev/unigo/kernel\"\nimport _ \"unigo.dev/unigo/kernel/netstack\"\n"; string(src) != want {
		t.Errorf("overlay source with the network = %q, want %q", src, want)
	}
}

func TestUsesNet(t *testing.T) {
	for deps, want := range map[string]bool{
		"fmt os strings":               false,
		"fmt net/netip strings":        false,
		"fmt net os":                   true,
		"net/http net [net/http.test]": true,
	} {
		if got := usesNet(strings.Fields(deps)); got != want {
			t.Errorf("usesNet(%s) = %v, want %v", deps, got, want)
		}
	}
}

// The extracted kernel module without the network requires nothing; with
// it, exactly unigo's own versions of the modules the kernel imports,
// which kernelModules must list.
func TestKernelModules(t *testing.T) {
	if got := kernelGoMod(unigo.GoMod, false); got != "module unigo.dev/unigo\n\ngo "+KernelModuleGoVersion+"\n" {
		t.Errorf("kernel go.mod without the network:\n%s", got)
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Version}}{{end}}", "unigo.dev/unigo/kernel/...")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	mod := kernelGoMod(unigo.GoMod, true)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, version, _ := strings.Cut(line, " ")
		if path == ModulePath {
			continue
		}
		if !kernelModules[path] {
			t.Errorf("the kernel imports packages of %s: add it to kernelModules", path)
		}
		if !strings.Contains(mod, "\t"+path+" "+version+"\n") {
			t.Errorf("kernel go.mod lacks %s %s:\n%s", path, version, mod)
		}
	}
}

func TestKernelSourceHash(t *testing.T) {
	_, a, err := kernelFiles(fakeKernel, kernelModuleFor(false))
	if err != nil {
		t.Fatal(err)
	}
	changed := fstest.MapFS{}
	for name, f := range fakeKernel {
		changed[name] = f
	}
	changed["kernel/sub/sub.go"] = &fstest.MapFile{Data: []byte("package sub // changed\n")}
	_, b, _ := kernelFiles(changed, kernelModuleFor(false))
	if a == b {
		t.Error("changing the kernel source does not change its cache key")
	}
	if _, c, _ := kernelFiles(fakeKernel, kernelModuleFor(true)); c == a {
		t.Error("the kernel module with the network stack has the same cache key as without")
	}
	if _, _, err := kernelFiles(fstest.MapFS{}, kernelModuleFor(false)); err == nil {
		t.Error("an empty kernel tree is accepted")
	}
}

func TestDefaultName(t *testing.T) {
	for in, want := range map[string]string{
		"example.com/app/cmd/hello": "hello",
		"example.com/app/v2":        "app",
		"example.com/v2app":         "v2app",
		"hello":                     "hello",
		"v2":                        "v2",
	} {
		if got := DefaultName(in); got != want {
			t.Errorf("DefaultName(%q) = %q, want %q", in, got, want)
		}
	}
}
