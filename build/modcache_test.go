package build

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMakeStandIn(t *testing.T) {
	mod := t.TempDir()
	writeTree(t, mod, map[string]string{
		"go.mod":                   "module example.com/tool\n",
		"lib/lib.go":               "package lib\n",
		"cmd/tool/main.go":         "package main\n",
		"cmd/tool/static/page.txt": "embedded",
		"cmd/tool/static/other":    "not embedded",
		"cmd/tool/sub/sub.go":      "package sub\n",
		"cmd/other/main.go":        "package main\n",
	})
	dst := filepath.Join(t.TempDir(), "standin")
	pkgDir, err := makeStandIn(dst, mod, filepath.Join(mod, "cmd", "tool"), []string{"static/page.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dst, "cmd", "tool"); pkgDir != want {
		t.Errorf("package directory %s, want %s", pkgDir, want)
	}
	for name, want := range map[string]string{
		"cmd":                      "dir",
		"cmd/tool":                 "dir",
		"cmd/tool/main.go":         "copy",
		"cmd/tool/static":          "dir",
		"cmd/tool/static/page.txt": "copy",
		"cmd/tool/static/other":    "link",
		"cmd/tool/sub":             "link",
		"cmd/other":                "link",
		"lib":                      "link",
		"go.mod":                   "link",
	} {
		info, err := os.Lstat(filepath.Join(dst, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := "copy"
		switch {
		case info.IsDir():
			got = "dir"
		case info.Mode()&os.ModeSymlink != 0:
			got = "link"
			if target, _ := os.Readlink(filepath.Join(dst, name)); target != filepath.Join(mod, name) {
				t.Errorf("%s links to %s, want %s", name, target, filepath.Join(mod, name))
			}
		}
		if got != want {
			t.Errorf("%s is a %s, want a %s", name, got, want)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "cmd/tool/static/page.txt")); string(data) != "embedded" {
		t.Errorf("copied file holds %q", data)
	}
	if _, err := makeStandIn(filepath.Join(t.TempDir(), "x"), mod, t.TempDir(), nil); err == nil {
		t.Error("a package directory outside its module is accepted")
	}
}

func TestCompareVersions(t *testing.T) {
	ordered := []string{
		"v0.0.0-20190101000000-aaaaaaaaaaaa",
		"v0.0.0-20250915201037-7f05d217867b",
		"v0.1.0",
		"v1.2.3-alpha",
		"v1.2.3-alpha.2",
		"v1.2.3-alpha.10",
		"v1.2.3-beta",
		"v1.2.3",
		"v1.2.10",
		"v1.10.0",
		"v2.0.0+incompatible",
	}
	for i := range ordered {
		for j := range ordered {
			got := compareVersions(ordered[i], ordered[j])
			if (i < j && got >= 0) || (i > j && got <= 0) || (i == j && got != 0) {
				t.Errorf("compareVersions(%s, %s) = %d", ordered[i], ordered[j], got)
			}
		}
	}
}

func TestCachedModule(t *testing.T) {
	cache := t.TempDir()
	for _, d := range []string{
		"github.com/!burnt!sushi/toml@v1.2.0",
		"github.com/!burnt!sushi/toml@v1.10.0",
		"golang.org/x/example@v0.0.0-20200101000000-aaaaaaaaaaaa",
		"golang.org/x/example/hello@v0.0.0-20250915201037-7f05d217867b",
	} {
		if err := os.MkdirAll(filepath.Join(cache, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for pkg, want := range map[string]string{
		"github.com/BurntSushi/toml/cmd/tomlv": "github.com/BurntSushi/toml v1.10.0",
		"golang.org/x/example/hello/reverse":   "golang.org/x/example/hello v0.0.0-20250915201037-7f05d217867b",
		"golang.org/x/example/gotypes/hello":   "golang.org/x/example v0.0.0-20200101000000-aaaaaaaaaaaa",
		"example.com/not/cached":               "",
		"github.com/burntsushi/toml/cmd/tomlv": "",
	} {
		mod, version, ok := cachedModule(cache, pkg)
		got := ""
		if ok {
			got = mod + " " + version
		}
		if got != want {
			t.Errorf("cachedModule(%s) = %q, want %q", pkg, got, want)
		}
	}
}

// moduleProxy writes a module proxy (GOPROXY=file://...) serving
// example.com/tool at v1.0.0 and v1.1.0: a command whose package embeds a
// file and imports another package of its module.
func moduleProxy(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	at := filepath.Join(root, "example.com", "tool", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	const goMod = "module example.com/tool\n\ngo 1.22\n"
	for _, v := range []string{"v1.0.0", "v1.1.0"} {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		for name, data := range map[string]string{
			"go.mod":                   goMod,
			"greet/greet.go":           "package greet\n\nfunc Hello() string { return \"tool-" + v + "\" }\n",
			"cmd/tool/main.go":         "package main\n\nimport (\n\t_ \"embed\"\n\n\t\"example.com/tool/greet\"\n)\n\n//go:embed static/motd.txt\nvar motd string\n\nfunc main() { println(greet.Hello(), motd) }\n",
			"cmd/tool/static/motd.txt": "motd",
		} {
			w, err := z.Create("example.com/tool@" + v + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(data))
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		writeTree(t, at, map[string]string{
			v + ".info": `{"Version":"` + v + `","Time":"2024-01-01T00:00:00Z"}`,
			v + ".mod":  goMod,
			v + ".zip":  buf.String(),
		})
	}
	writeTree(t, at, map[string]string{"list": "v1.0.0\nv1.1.0\n"})
	return root
}

// isolateModules gives the go command a module cache of its own, filled
// only from the proxy at proxyDir, without a checksum database.
func isolateModules(t *testing.T, proxyDir string) string {
	t.Helper()
	cache := t.TempDir()
	t.Cleanup(func() {
		// The cache's trees are read-only: let go remove them.
		cmd := exec.Command("go", "clean", "-modcache")
		cmd.Env = append(os.Environ(), "GOMODCACHE="+cache)
		cmd.Run()
	})
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(proxyDir))
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOWORK", "")
	return cache
}

func TestBuildFromModuleCache(t *testing.T) {
	// A stand-in kernel whose entry leads to the Go runtime's, so that the
	// linker keeps the app's code, which the test looks for in the image.
	kernel := fstest.MapFS{}
	for name, f := range fakeKernel {
		kernel[name] = f
	}
	kernel["kernel/entry_amd64.s"] = &fstest.MapFile{Data: []byte("TEXT ·pvhEntry(SB),$0-0\n\tJMP _rt0_amd64_linux(SB)\n")}
	isolateCache(t)
	cache := isolateModules(t, moduleProxy(t))
	ctx := context.Background()
	build := func(dir, pkg string) (string, string) {
		t.Helper()
		var progress bytes.Buffer
		out := filepath.Join(t.TempDir(), "tool.img")
		if _, err := Build(ctx, Options{Package: pkg, Output: out, Dir: dir, Progress: &progress, Kernel: kernel}); err != nil {
			t.Fatalf("Build(%s): %v\n%s", pkg, err, progress.String())
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("motd")) {
			t.Errorf("%s: the embedded file is not in the image", pkg)
		}
		if entryAddr(t, out) == 0 {
			t.Errorf("%s: no kernel entry", pkg)
		}
		for _, v := range []string{"v1.0.0", "v1.1.0"} {
			if bytes.Contains(data, []byte("tool-"+v)) {
				return v, progress.String()
			}
		}
		t.Fatalf("%s: the image has neither version of the module", pkg)
		return "", ""
	}

	// PKG@VERSION, from a directory in no module.
	nowhere := t.TempDir()
	if v, p := build(nowhere, "example.com/tool/cmd/tool@v1.0.0"); v != "v1.0.0" || !strings.Contains(p, "fetching example.com/tool/cmd/tool@v1.0.0...\nbuilding example.com/tool/cmd/tool@v1.0.0 (go1.") {
		t.Errorf("@v1.0.0 built %s:\n%s", v, p)
	}
	if v, p := build(nowhere, "example.com/tool/cmd/tool@latest"); v != "v1.1.0" || !strings.Contains(p, "building example.com/tool/cmd/tool@v1.1.0 (") {
		t.Errorf("@latest built %s:\n%s", v, p)
	}

	// A dependency of the current module: the version it requires.
	app := t.TempDir()
	writeTree(t, app, map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n"})
	get := exec.Command("go", "get", "example.com/tool@v1.0.0")
	get.Dir = app
	if out, err := get.CombinedOutput(); err != nil {
		t.Fatalf("go get: %v\n%s", err, out)
	}
	goMod, _ := os.ReadFile(filepath.Join(app, "go.mod"))
	if v, p := build(app, "example.com/tool/cmd/tool"); v != "v1.0.0" || !strings.Contains(p, "building example.com/tool/cmd/tool (go1.") {
		t.Errorf("the dependency built %s:\n%s", v, p)
	}
	if after, _ := os.ReadFile(filepath.Join(app, "go.mod")); !bytes.Equal(after, goMod) {
		t.Errorf("the build changed the app's go.mod:\n%s", after)
	}

	// Not a dependency, but in the cache: its newest version there.
	other := appModule(t)
	if v, p := build(other, "example.com/tool/cmd/tool"); v != "v1.1.0" || !strings.Contains(p, "example.com/tool/cmd/tool is not a dependency of the current module: using example.com/tool v1.1.0 from the module cache") {
		t.Errorf("from the cache built %s:\n%s", v, p)
	}

	// Nothing was added to the module cache's trees.
	matches, _ := filepath.Glob(filepath.Join(cache, "example.com", "tool@*", "cmd", "tool", "*"))
	for _, m := range matches {
		if strings.Contains(m, "unigo") {
			t.Errorf("the build wrote %s into the module cache", m)
		}
	}

	for pkg, want := range map[string]string{
		"example.com/tool/cmd/tool@v9.9.9": "cannot fetch example.com/tool/cmd/tool@v9.9.9: ",
		"example.com/tool/greet@v1.0.0":    "package example.com/tool/greet@v1.0.0 is not a main package (it is package greet)",
		"example.com/tool/cmd/tool@":       "give a package and a version, as in golang.org/x/example/hello@latest",
		"example.com/nothing/here":         "nor is it in the module cache: to fetch it through the module proxy, name a version, as in example.com/nothing/here@latest",
	} {
		_, err := Build(ctx, Options{Package: pkg, Dir: other, Kernel: fakeKernel})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Build(%s): %v\nwant it to contain %q", pkg, err, want)
		}
	}
}
