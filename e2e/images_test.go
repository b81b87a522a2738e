package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// An app in a module of its own with a unigo.yaml: a plain `unigo build`
// stores it under the file's name, and `unigo run NAME` runs it with the
// file's args, env and memory, which the command line overrides.
func TestBuildWithConfigFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/greeter\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"fmt"
	"os"
)

func main() { fmt.Printf("args=%q GREETING=%q\n", os.Args, os.Getenv("GREETING")) }
`), 0o644)
	os.WriteFile(filepath.Join(dir, "unigo.yaml"), []byte("name: greeter:v1\nargs: [-x, hello world]\nenv:\n  GREETING: hi\nmemory: 32M\nports: [8080]\n"), 0o644)

	build := exec.Command(unigoBin, "build")
	build.Dir = dir
	build.Env = append(os.Environ(), "UNIGO_ROOT="+root)
	if out, err := build.CombinedOutput(); err != nil || !strings.Contains(string(out), "tagged greeter:v1") {
		t.Fatalf("unigo build: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "greeter.img")); err == nil {
		t.Error("a named build also wrote greeter.img")
	}
	in(t, root, "images").expect(t, 0, "greeter", "v1")
	in(t, root, "run", "greeter:v1").expect(t, 0, `args=["greeter" "-x" "hello world"] GREETING="hi"`)
	in(t, root, "run", "-e", "GREETING=yo", "greeter:v1", "--", "other").expect(t, 0, `args=["greeter" "other"] GREETING="yo"`)

	var imgs []struct {
		Tags     []string
		Manifest struct {
			Format, GoVersion, Kernel string
			Config                    struct {
				Memory int64
				Ports  []string
			}
		}
	}
	r := in(t, root, "inspect", "greeter:v1")
	if err := json.Unmarshal([]byte(r.stdout), &imgs); err != nil || len(imgs) != 1 {
		t.Fatalf("inspect: %v\n%v", err, r)
	}
	m := imgs[0].Manifest
	if m.Format != "unigo-image/1" || !strings.HasPrefix(m.GoVersion, "go1.") || !strings.HasPrefix(m.Kernel, "sha256:") || m.Config.Memory != 32<<20 || strings.Join(m.Config.Ports, ",") != "8080/tcp" {
		t.Errorf("manifest: %+v", m)
	}

	// A misspelt key is an error that names it.
	os.WriteFile(filepath.Join(dir, "unigo.yaml"), []byte("name: greeter\nmemroy: 32M\n"), 0o644)
	build = exec.Command(unigoBin, "build")
	build.Dir = dir
	out, _ := build.CombinedOutput()
	if !strings.Contains(string(out), "field memroy not found") {
		t.Errorf("misspelt key: %s", out)
	}
}

// tag, images, rmi, inspect and prune.
// An image of the store boots without its DWARF (the store keeps it
// apart, and registries carry it apart): a kernel crash report still gives
// every address as function file:line, from the Go line table.
func TestCrashReportOfStoredImage(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	in(t, root, "build", "-t", "hello", "./examples/hello").expect(t, 0)
	r := in(t, root, "run", "--kernel-opt", "debug.kernelfault", "hello")
	r.expect(t, 122, "stderr:unigo: kernel crash: page fault in the kernel", "stderr:backtrace",
		"stderr:syscalls.faultOnPurpose", "stderr:kernel/syscalls/fault_unsafe.go:")
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.Contains(l, "pc=0x") && !symbolized.MatchString(l) {
			t.Errorf("an address without its source line: %s", l)
		}
	}
}

var symbolized = regexp.MustCompile(`pc=0x[0-9a-f]+ \[\S+ \S+:[0-9]+\]`)

func TestImageCommands(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "tag", "idle", "example.com/team/idle:v2").expect(t, 0)
	images := in(t, root, "images")
	images.expect(t, 0, "NAME", "TAG", "IMAGE ID", "CREATED", "SIZE", "example.com/team/idle", "v2")
	in(t, root, "run", "-d", "--name", "user", "example.com/team/idle:v2").expect(t, 0)
	logsHave(t, root, "user", "idle")

	oneError(t, in(t, root, "rmi", "nosuch"), `no such image "nosuch"`)
	oneError(t, in(t, root, "tag", "idle", "Bad_Name"), "is not an image name")
	in(t, root, "rmi", "idle").expect(t, 0, "Untagged: idle:latest\n")
	oneError(t, in(t, root, "rmi", "example.com/team/idle:v2"), "is used by instance user")
	in(t, root, "rmi", "-f", "example.com/team/idle:v2").expect(t, 0, "Untagged: example.com/team/idle:v2\n")
	if r := in(t, root, "images"); strings.Contains(r.stdout, "idle") || !strings.Contains(r.stdout, "<none>") {
		t.Errorf("images after rmi -f:\n%v", r)
	}
	// The instance still has its image: prune keeps it while it exists.
	in(t, root, "image", "prune").expect(t, 0, "Total reclaimed space: 0 bytes")
	in(t, root, "restart", "--time", "1", "user").expect(t, 0)
	in(t, root, "rm", "-f", "user").expect(t, 0)
	prune := in(t, root, "image", "prune")
	prune.expect(t, 0, "Deleted: sha256:", "Total reclaimed space: ")
	if strings.Contains(prune.stdout, "0 bytes") {
		t.Errorf("prune reclaimed nothing:\n%v", prune)
	}
	in(t, root, "image", "prune", "-a").expect(t, 0, "Deleted: sha256:")
	if r := in(t, root, "images"); strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("images after prune -a:\n%v", r)
	}
}

// Builds of one tag at once, one of them killed halfway: the image stays
// whole and bootable.
func TestConcurrentBuilds(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := in(t, root, "build", "-t", "hello", "./examples/hello"); r.code != 0 {
				t.Errorf("%v", r)
			}
		}()
	}
	for _, after := range []time.Duration{50 * time.Millisecond, 300 * time.Millisecond, time.Second} {
		killed := exec.Command(unigoBin, "build", "-t", "hello", "./examples/hello")
		killed.Dir = repoRoot
		killed.Env = append(os.Environ(), "UNIGO_ROOT="+root)
		if err := killed.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		killed.Process.Kill()
		killed.Wait()
	}
	wg.Wait()
	in(t, root, "run", "hello").expect(t, 0, "Hello from a unigo unikernel!")
	if r := in(t, root, "images"); strings.Count(r.stdout, "hello") != 1 {
		t.Errorf("images:\n%v", r)
	}
}
