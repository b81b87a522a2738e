package launch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/store"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/floorguest"
	"unigo.dev/unigo/volume"
)

func TestParseRestart(t *testing.T) {
	for in, want := range map[string]Restart{
		"":             {Policy: "no"},
		"no":           {Policy: "no"},
		"always":       {Policy: "always"},
		"on-failure":   {Policy: "on-failure"},
		"on-failure:3": {Policy: "on-failure", MaxRetries: 3},
	} {
		if got, err := ParseRestart(in); err != nil || got != want {
			t.Errorf("ParseRestart(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"sometimes", "on-failure:0", "on-failure:x", "always:2", "no:1"} {
		if _, err := ParseRestart(in); err == nil {
			t.Errorf("ParseRestart(%q): no error", in)
		}
	}
	for _, tt := range []struct {
		r              Restart
		code, restarts int
		want           bool
	}{
		{Restart{Policy: "no"}, 3, 0, false},
		{Restart{Policy: "always"}, 0, 9, true},
		{Restart{Policy: "on-failure"}, 0, 0, false},
		{Restart{Policy: "on-failure"}, 3, 99, true},
		{Restart{Policy: "on-failure", MaxRetries: 2}, 3, 1, true},
		{Restart{Policy: "on-failure", MaxRetries: 2}, 3, 2, false},
	} {
		if got := tt.r.Again(tt.code, tt.restarts); got != tt.want {
			t.Errorf("%+v.Again(%d, %d) = %v", tt.r, tt.code, tt.restarts, got)
		}
	}
}

func TestPackageName(t *testing.T) {
	for in, want := range map[string]string{
		"./examples/hello":           "hello",
		"example.com/app/cmd/server": "server",
		"/abs/dir/web/":              "web",
		"example.com/app/v2":         "app",
	} {
		if got := packageName(in); got != want {
			t.Errorf("packageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"A=1", "B=2"}, []string{"B=3", "C=4", "AB=5"})
	if strings.Join(got, ";") != "A=1;B=3;C=4;AB=5" {
		t.Errorf("mergeEnv = %q", got)
	}
}

func TestLooksLikeImportPath(t *testing.T) {
	for in, want := range map[string]bool{"example.com/app": true, "example.com/app/cmd/x": true, "hello": false, "hello:v1": false, "team/app": false, "registry.io/app:v1": false} {
		if got := looksLikeImportPath(in); got != want {
			t.Errorf("looksLikeImportPath(%q) = %v", in, got)
		}
	}
}

// The image's defaults fill what the configuration leaves empty and add to
// its lists; merging a merged configuration again changes nothing (an
// instance's monitor prepares its stored configuration at every boot).
func TestWithDefaults(t *testing.T) {
	root := t.TempDir()
	disk := filepath.Join(root, "data.img")
	os.WriteFile(disk, nil, 0o644)
	img := &Image{Path: "app.img", Name: "app", Stored: &store.Image{ID: "id1"}, Defaults: store.Config{
		Args: []string{"-v"}, Env: []string{"A=1", "B=2"}, Memory: 16 << 20, Ports: []string{"80/tcp"},
		Tmpfs: []string{"/cache"}, Volumes: []string{disk + ":/data"}, WorkingDir: "/data",
	}}
	cfg := Config{Image: "app:v1", Env: []string{"B=3"}, Tmpfs: []string{"/cache", "/run"}}
	got, err := cfg.withDefaults(Env{Root: root}, img)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Image: "app:v1", ImageID: "id1", Argv0: "app", Args: []string{"-v"}, Env: []string{"A=1", "B=3", "HOME=/"}, Memory: 16 << 20,
		WorkingDir: "/data", Ports: []string{"80/tcp"}, Tmpfs: []string{"/cache", "/run"}, Volumes: []volume.Mount{{Source: disk, Disk: disk, Target: "/data"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("merged\n%+v\nwant\n%+v", got, want)
	}
	again, err := got.withDefaults(Env{Root: root}, img)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("merged twice\n%+v\nwant\n%+v", again, got)
	}
	// The image's working directory reaches the kernel as cwd=.
	if c := got.cmdline(); c.Cwd != "/data" || !strings.Contains(c.String(), " cwd=/data") {
		t.Errorf("working directory: cmdline %q", c.String())
	}
	// What the configuration gives wins.
	own := Config{Argv0: "x", Args: []string{"a"}, Memory: 8 << 20, WorkingDir: "/srv"}
	if got, _ := own.withDefaults(Env{Root: root}, img); got.Argv0 != "x" || !reflect.DeepEqual(got.Args, []string{"a"}) || got.Memory != 8<<20 || got.WorkingDir != "/srv" {
		t.Errorf("own values replaced: %+v", got)
	}
	// HOME given stays; a read-only root (the image's or the run's) reaches
	// the kernel as root.ro.
	home := Config{Env: []string{"HOME=/srv"}}
	if got, _ := home.withDefaults(Env{Root: root}, img); !reflect.DeepEqual(got.Env, []string{"A=1", "B=2", "HOME=/srv"}) || got.ReadOnly {
		t.Errorf("HOME given: %+v", got)
	}
	img.Defaults.ReadOnly = true
	ro, _ := Config{}.withDefaults(Env{Root: root}, img)
	if !ro.ReadOnly || !slices.Contains(ro.cmdline().Tokens, "root.ro") || slices.Contains(got.cmdline().Tokens, "root.ro") {
		t.Errorf("read-only root: %+v, tokens %q", ro, ro.cmdline().Tokens)
	}
}

// Prepare of an image file: the VM's spec carries the configuration, the
// VMM is found by name, and a bad configuration is refused before any
// build.
func TestPrepare(t *testing.T) {
	b, err := floorguest.Image()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "floor.img")
	os.WriteFile(p, b, 0o644)
	l, err := Prepare(context.Background(), Env{Root: t.TempDir()}, Config{
		Image: p, Args: []string{"x y"}, Env: []string{"K=V"}, Memory: 8 << 20, Machine: "pc", Accel: "tcg",
		KernelOpts: []string{vmm.TokenTrace}, Network: &hostnet.Options{Mode: hostnet.ModeUser},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	want := vmm.Spec{Image: p, Memory: 8 << 20, Options: map[string]string{"machine": "pc", "accel": "tcg"},
		Cmdline: vmm.Cmdline{Args: []string{"floor", "x y"}, Env: []string{"K=V", "HOME=/"}, Tokens: []string{"trace"}, Tmpfs: []string{}}}
	if l.VMM.Name() != "qemu" || l.Spec.Net == nil {
		t.Errorf("VMM %s, card %+v", l.VMM.Name(), l.Spec.Net)
	}
	l.Spec.Net = nil
	if !reflect.DeepEqual(l.Spec, want) {
		t.Errorf("spec\n%+v\nwant\n%+v", l.Spec, want)
	}
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Image: "./no/such/package", KernelOpts: []string{"two words"}}, "contains white space"},
		{Config{Image: "./no/such/package", Env: []string{"NOVALUE"}}, "is not KEY=VALUE"},
		{Config{Image: "./no/such/package", WorkingDir: "data"}, `working directory "data": give an absolute path`},
		{Config{Image: "./no/such/package", Network: &hostnet.Options{Mode: "carrier-pigeon"}}, "give user, dhcp, tap:NAME or none"},
		{Config{Image: p, VMM: "firecracker"}, `unknown VMM "firecracker": this unigo has qemu`},
	} {
		if _, err := Prepare(context.Background(), Env{Root: t.TempDir()}, tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

// A file given to run is an image or a program by its contents: a unigo
// image boots as it is; an ELF executable without unigo's notes, or a
// script, is a program to make an image of, and one that cannot boot
// unmodified is refused with build.CheckStaticExecutable's message before
// anything is built.
func TestResolveProgram(t *testing.T) {
	dir := t.TempDir()
	floor, err := floorguest.Image()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"floor.img": floor,
		"notes.img": []byte("this is not a VM image\n"),
		"script":    []byte("#!/bin/sh\necho hi\n"),
		"empty":     nil,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal("this test needs gcc (Debian package gcc; .ci/setup installs it)")
	}
	os.WriteFile(filepath.Join(dir, "hello.c"), []byte("int main(void) { return 0; }\n"), 0o644)
	dynamic := filepath.Join(dir, "dynamic")
	if out, err := exec.Command(gcc, "-o", dynamic, filepath.Join(dir, "hello.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	for name, want := range map[string]bool{"floor.img": false, "notes.img": false, "empty": false, "script": true, "dynamic": true} {
		if got := isProgram(filepath.Join(dir, name)); got != want {
			t.Errorf("isProgram(%s) = %v, want %v", name, got, want)
		}
	}
	for _, tt := range []struct{ name, want string }{
		{"dynamic", dynamic + " is dynamically linked"},
		{"script", " is a script"},
	} {
		img, err := resolveImage(context.Background(), Env{Root: t.TempDir()}, Config{Image: filepath.Join(dir, tt.name)})
		if err == nil {
			img.Close()
			t.Errorf("%s: no error", tt.name)
		} else if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	img, err := resolveImage(context.Background(), Env{Root: t.TempDir()}, Config{Image: filepath.Join(dir, "floor.img")})
	if err != nil || img.Program != "" || img.Path != filepath.Join(dir, "floor.img") {
		t.Errorf("a unigo image: %+v, %v", img, err)
	}
}
