package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// oneError checks that a failed command said exactly one thing, on stderr,
// and exited 125.
func oneError(t *testing.T, r result, wants ...string) {
	t.Helper()
	if r.code != 125 {
		t.Fatalf("want exit code 125, got:\n%v", r)
	}
	msg := strings.TrimSpace(r.stderr)
	if !strings.HasPrefix(msg, "unigo: ") {
		t.Fatalf("the error should start with 'unigo: ':\n%v", r)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Fatalf("the error lacks %q:\n%v", w, r)
		}
	}
}

func TestRunNonImage(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "notes.img")
	os.WriteFile(p, []byte("this is not a VM image\n"), 0o644)
	r := run(t, p)
	oneError(t, r, "not a unigo image", "unigo build")
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("want one line:\n%v", r)
	}
}

func TestRunTruncatedImage(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(image(t, "./examples/hello"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "half.img")
	os.WriteFile(p, data[:len(data)/2], 0o644)
	oneError(t, run(t, p), "truncated")
}

func TestRunWithoutQEMU(t *testing.T) {
	t.Parallel()
	img := image(t, "./examples/hello")
	empty := t.TempDir()
	r := unigo(t, []string{"PATH=" + empty}, "run", img)
	oneError(t, r, "qemu-system-x86_64", "apt-get install qemu-system-x86")
}

func TestBuildMissingPackage(t *testing.T) {
	t.Parallel()
	r := unigo(t, nil, "build", "./e2e/testdata/no-such-app", "-o", filepath.Join(t.TempDir(), "x.img"))
	if r.code == 0 || !strings.Contains(r.stderr, "no-such-app") {
		t.Fatalf("want a clear error naming the package:\n%v", r)
	}
	oneError(t, r)
}

// A program in the user's own module, outside this repository, whose go.mod
// never mentions unigo, builds and boots.
func TestBuildUserModule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/greeter\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"fmt"
	"strings"
)

func main() { fmt.Println(strings.ToUpper("hello from a user module")) }
`), 0o644)
	img := filepath.Join(dir, "greeter.img")
	r := unigo(t, nil, "build", dir, "-o", img)
	if r.code != 0 {
		t.Fatalf("build failed:\n%v", r)
	}
	run(t, img).expect(t, 0, "HELLO FROM A USER MODULE")
}
