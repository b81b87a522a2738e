package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The module these tests build from the module cache: a hello program
// (flags -g greeting and -r reverse) with a package of its own, reverse,
// whose tests are pure Go. It is fetched through the module proxy.
const (
	helloPkg   = "golang.org/x/example/hello"
	reversePkg = helloPkg + "/reverse"
)

// Builds of a package in the module cache: as PKG@VERSION, as a dependency
// of the current module, and as a module of the cache that the current
// module does not require. Each image boots and greets.
func TestBuildFromModuleCache(t *testing.T) {
	dir := t.TempDir()

	// PKG@latest, as go install takes it: fetched into the module cache.
	img := filepath.Join(dir, "latest.img")
	r := unigo(t, nil, "build", helloPkg+"@latest", "-o", img)
	r.expect(t, 0, "stderr:fetching "+helloPkg+"@latest...", "stderr:building "+helloPkg+"@v", "stderr:wrote "+img)
	unigo(t, nil, "run", img, "--", "-g", "Hi", "unigo").expect(t, 0, "Hi, unigo!\n")

	// A dependency of the current module, at the version it requires.
	app := filepath.Join(dir, "app")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	goMod := "module example.com/app\n\ngo 1.22\n"
	if err := os.WriteFile(filepath.Join(app, "go.mod"), []byte(goMod), 0o644); err != nil {
		t.Fatal(err)
	}
	get := exec.Command("go", "get", helloPkg+"@latest")
	get.Dir = app
	if out, err := get.CombinedOutput(); err != nil {
		t.Fatalf("go get: %v\n%s", err, out)
	}
	before, _ := os.ReadFile(filepath.Join(app, "go.mod"))
	r = unigoIn(t, app, "build", helloPkg)
	r.expect(t, 0, "stderr:building "+helloPkg+" (go", "stderr:wrote hello.img")
	unigo(t, nil, "run", filepath.Join(app, "hello.img"), "--", "-r", "unigo").expect(t, 0, "olleH, oginu!\n")
	if after, _ := os.ReadFile(filepath.Join(app, "go.mod")); !bytes.Equal(before, after) {
		t.Errorf("unigo build changed the app's go.mod:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(app, "go.work")); err == nil {
		t.Error("unigo build left a go.work in the app's module")
	}

	// A module of the cache that unigo's own module does not require.
	img = filepath.Join(dir, "cached.img")
	r = unigo(t, nil, "build", helloPkg, "-o", img)
	r.expect(t, 0, "stderr:"+helloPkg+" is not a dependency of the current module: using "+helloPkg+" v", "stderr:from the module cache")
	unigo(t, nil, "run", img).expect(t, 0, "Hello, world!\n")

	// Nothing in the module cache was added to or changed.
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	found, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(cache)), "golang.org", "x", "example", "hello@*", "zz_unigo*"))
	if len(found) > 0 {
		t.Errorf("unigo build wrote into the module cache: %v", found)
	}

	// A version the proxy does not have: what was asked and what to do.
	r = unigo(t, nil, "build", helloPkg+"@v9.9.9", "-o", filepath.Join(dir, "none.img"))
	r.expect(t, 125, "stderr:cannot fetch "+helloPkg+"@v9.9.9: ", "stderr:go list -m -versions")
}

// unigo test of a package in the module cache, which unigo's own module
// does not require: its tests' dependencies come into a temporary module,
// the test binary boots and its tests pass.
func TestUnigoTestFromModuleCache(t *testing.T) {
	r := unigo(t, nil, "test", "-v", reversePkg+"@latest")
	r.expect(t, 0, "--- PASS: TestString", "ok  \t"+reversePkg+"\t")
	// Now in the cache, it is found there without a version.
	unigo(t, nil, "test", reversePkg).expect(t, 0, "ok  \t"+reversePkg+"\t")
}

// unigoIn runs the unigo command in dir.
func unigoIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return unigoAt(t, dir, nil, args...)
}
