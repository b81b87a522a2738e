package build

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"unigo.dev/unigo/image"
	"unigo.dev/unigo/internal/cpio"
	"unigo.dev/unigo/store"
)

// The program a container image runs, found as the guest will find it, and
// the commands a unikernel cannot run refused with what to write instead.
func TestImageCommand(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/prog":             "x",
		"usr/local/bin/lprog":  "x",
		"srv/bin/rel":          "x",
		"app/dir/placeholder":  "x",
		"usr/bin/onlyinusrbin": "x",
	})
	os.Symlink("/app/prog", filepath.Join(root, "usr/bin/linked"))
	for _, tt := range []struct {
		conf ImageConfig
		want command
	}{
		{ImageConfig{Entrypoint: []string{"/app/prog"}, Cmd: []string{"a"}}, command{"/app/prog", []string{"a"}, "ENTRYPOINT"}},
		{ImageConfig{Entrypoint: []string{"/app/prog", "-v"}, Cmd: []string{"a", "b"}}, command{"/app/prog", []string{"-v", "a", "b"}, "ENTRYPOINT"}},
		{ImageConfig{Cmd: []string{"prog", "x"}, Env: []string{"PATH=/usr/bin:/app"}}, command{"/app/prog", []string{"x"}, "CMD"}},
		{ImageConfig{Cmd: []string{"lprog"}}, command{"/usr/local/bin/lprog", []string{}, "CMD"}},
		{ImageConfig{Cmd: []string{"linked"}}, command{"/usr/bin/linked", []string{}, "CMD"}},
		{ImageConfig{Cmd: []string{"bin/rel"}, WorkingDir: "/srv"}, command{"/srv/bin/rel", []string{}, "CMD"}},
		{ImageConfig{Cmd: []string{"./bin/rel"}, WorkingDir: "/srv"}, command{"/srv/bin/rel", []string{}, "CMD"}},
		// An ENTRYPOINT followed by a shell-form CMD is Docker's odd but
		// plain exec of the entrypoint.
		{ImageConfig{Entrypoint: []string{"/app/prog"}, Cmd: []string{"/bin/sh", "-c", "x"}}, command{"/app/prog", []string{"/bin/sh", "-c", "x"}, "ENTRYPOINT"}},
	} {
		got, err := imageCommand(root, &tt.conf)
		if err != nil {
			t.Errorf("%+v: %v", tt.conf, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: %+v, want %+v", tt.conf, got, tt.want)
		}
	}
	for _, tt := range []struct {
		conf  ImageConfig
		wants []string
	}{
		{ImageConfig{Cmd: []string{"/bin/sh", "-c", "/app/prog --port=80 a"}},
			[]string{`its CMD is a shell command line (/bin/sh -c "/app/prog --port=80 a")`, "a unikernel has no shell", `CMD ["/app/prog", "--port=80", "a"]`}},
		{ImageConfig{Entrypoint: []string{"/bin/sh", "-c"}, Cmd: []string{"exec /app/prog $PORT"}},
			[]string{"its ENTRYPOINT is a shell command line", `ENTRYPOINT ["/app/server", "--port", "8080"]`}},
		{ImageConfig{Entrypoint: []string{"bash", "-ec", "prog"}}, []string{"its ENTRYPOINT is a shell command line"}},
		{ImageConfig{Entrypoint: []string{"/app/nope"}}, []string{"its ENTRYPOINT /app/nope is not in the image", "ENTRYPOINT and CMD"}},
		{ImageConfig{Entrypoint: []string{"/app/dir"}}, []string{"its ENTRYPOINT /app/dir is not in the image"}},
		{ImageConfig{Cmd: []string{"nope"}, Env: []string{"PATH=/usr/bin:/app"}}, []string{"its CMD nope is not in the image: looked for it in the image's PATH (/usr/bin:/app)", `ENTRYPOINT ["/app/nope"]`}},
		{ImageConfig{Cmd: []string{"onlyinusrbin"}, Env: []string{"PATH=/app"}}, []string{"onlyinusrbin is not in the image"}},
		{ImageConfig{}, []string{"it has no command (neither ENTRYPOINT nor CMD)"}},
	} {
		_, err := imageCommand(root, &tt.conf)
		if err == nil {
			t.Errorf("%+v: no error", tt.conf)
			continue
		}
		for _, w := range tt.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %v\nwant %q", tt.conf, err, w)
			}
		}
	}
}

func TestImageDefaults(t *testing.T) {
	conf := &ImageConfig{Env: []string{"A=1"}, ExposedPorts: []string{"80/tcp"}, WorkingDir: "/data/"}
	got := imageDefaults(conf, []string{"x"})
	want := store.Config{Args: []string{"x"}, Env: []string{"A=1"}, Ports: []string{"80/tcp"}, WorkingDir: "/data"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
	for _, wd := range []string{"", "/"} {
		if got := imageDefaults(&ImageConfig{WorkingDir: wd}, nil); got.WorkingDir != "" {
			t.Errorf("WORKDIR %q: %q, want none", wd, got.WorkingDir)
		}
	}
}

// A WORKDIR missing from the image's layers is made, as Docker makes it;
// one that is a file is refused.
func TestMakeWorkingDir(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"srv/file": "x", "data/keep": "x"})
	os.Symlink("/data", filepath.Join(root, "link"))
	for _, wd := range []string{"", "/", "/data", "/new/deep", "/link/sub"} {
		if err := makeWorkingDir(root, wd); err != nil {
			t.Errorf("%q: %v", wd, err)
		}
	}
	for _, dir := range []string{"new/deep", "data/sub"} {
		if st, err := os.Stat(filepath.Join(root, dir)); err != nil || !st.IsDir() {
			t.Errorf("%s was not made: %v", dir, err)
		}
	}
	if err := makeWorkingDir(root, "/srv/file"); err == nil {
		t.Error("a file as the working directory: no error")
	}
}

// CheckImageExecutable names the program by its path in the image, not by
// the host's copy.
func TestCheckImageExecutable(t *testing.T) {
	needTool(t, "gcc", "gcc")
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "app"), 0o755)
	buildC(t, filepath.Join(root, "app"), "dyn", "gcc", "-O2")
	err := CheckImageExecutable(root, "/app/dyn")
	if err == nil || !strings.HasPrefix(err.Error(), "/app/dyn is dynamically linked") || strings.Contains(err.Error(), root) {
		t.Errorf("%v; want /app/dyn is dynamically linked, without %s", err, root)
	}
}

// The kernel of unmodified executables is linked once: the first Exec
// says so, the next only writes its image, from the cache.
func TestExecKernelCache(t *testing.T) {
	needTool(t, "musl-gcc", "musl-tools")
	cache := isolateCache(t)
	dir := t.TempDir()
	prog := buildC(t, dir, "prog", "musl-gcc", "-static", "-O2")
	var first, second bytes.Buffer
	res, err := Exec(context.Background(), ExecOptions{Program: prog, Output: filepath.Join(dir, "a.img"), Progress: &first, Kernel: fakeKernel})
	if err != nil {
		t.Fatalf("Exec: %v\n%s", err, first.String())
	}
	if !strings.HasPrefix(first.String(), "building the kernel for unmodified executables (once)...\n") || strings.Contains(first.String(), "unigo-exec-") {
		t.Errorf("first build's progress:\n%s", first.String())
	}
	_, sum, _ := kernelFiles(fakeKernel, kernelModuleFor(false)) // the program names no socket call
	if res.Name != "prog" || res.Kernel != "sha256:"+sum || !strings.HasPrefix(res.GoVersion, "go1.") || res.Config != nil {
		t.Errorf("result %+v", res)
	}
	if _, err := Exec(context.Background(), ExecOptions{Program: prog, Output: filepath.Join(dir, "b.img"), Progress: &second, Kernel: fakeKernel}); err != nil {
		t.Fatal(err)
	}
	if p := second.String(); !strings.HasPrefix(p, "wrote ") || strings.Count(p, "\n") != 1 {
		t.Errorf("second build's progress: want only the image written:\n%s", second.String())
	}
	for _, img := range []string{"a.img", "b.img"} {
		if _, err := image.Open(filepath.Join(dir, img)); err != nil {
			t.Error(err)
		}
	}
	elfs, _ := filepath.Glob(filepath.Join(cache, "unigo", "exec-kernel", "*.elf"))
	if len(elfs) != 1 {
		t.Errorf("cached kernels %q, want one", elfs)
	}
	// Defaults make the result's manifest.
	def := store.Config{Args: []string{"a"}, WorkingDir: "/data"}
	res, err = Exec(context.Background(), ExecOptions{Program: prog, Output: filepath.Join(dir, "c.img"), Kernel: fakeKernel, Defaults: def})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Manifest(); !reflect.DeepEqual(m.Config, def) || m.Kernel != "sha256:"+sum {
		t.Errorf("manifest %+v", m)
	}
}

// Pruning keeps the most recently used kernels.
func TestPruneExecKernels(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i, name := range []string{"a", "b", "c", "d", "e", "f"} {
		p := filepath.Join(dir, name+".elf")
		os.WriteFile(p, []byte("x"), 0o644)
		at := now.Add(-time.Duration(i) * time.Hour)
		os.Chtimes(p, at, at)
	}
	os.WriteFile(filepath.Join(dir, ".lock"), nil, 0o644)
	pruneExecKernels(dir, 4)
	left, _ := filepath.Glob(filepath.Join(dir, "*.elf"))
	var names []string
	for _, p := range left {
		names = append(names, filepath.Base(p))
	}
	if strings.Join(names, " ") != "a.elf b.elf c.elf d.elf" {
		t.Errorf("left %q", names)
	}
	if _, err := os.Stat(filepath.Join(dir, ".lock")); err != nil {
		t.Error("the lock was removed")
	}
}

// A container image becomes an image of its entrypoint with its defaults;
// one that needs a shell is refused, naming it, and nothing is written.
func TestFromImage(t *testing.T) {
	needTool(t, "musl-gcc", "musl-tools")
	isolateCache(t)
	dir := t.TempDir()
	prog, err := os.ReadFile(buildC(t, t.TempDir(), "prog", "musl-gcc", "-static", "-O2"))
	if err != nil {
		t.Fatal(err)
	}
	layer := layerTar(t, ent{name: "app/", typ: '5'}, ent{name: "app/prog", data: string(prog), mode: 0o755})
	withConfig := func(entrypoint, cmd []string) string {
		img := craftImage(t, "amd64", layer)
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.Config.Entrypoint, cf.Config.Cmd = entrypoint, cmd
		cf.Config.Env = []string{"PATH=/app", "GREETING=hi"}
		cf.Config.WorkingDir = "/data"
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		return writeLayout(t, img)
	}
	var progress bytes.Buffer
	out := filepath.Join(dir, "from.img")
	res, err := FromImage(context.Background(), FromImageOptions{Ref: withConfig([]string{"prog", "-v"}, []string{"arg1"}), Output: out, Progress: &progress, Kernel: fakeKernel})
	if err != nil {
		t.Fatalf("FromImage: %v\n%s", err, progress.String())
	}
	want := store.Config{Args: []string{"-v", "arg1"}, Env: []string{"PATH=/app", "GREETING=hi"}, Ports: []string{"80/tcp", "9000/udp"}, WorkingDir: "/data"}
	if m := res.Manifest(); !reflect.DeepEqual(m.Config, want) || res.Name != "prog" {
		t.Errorf("result %+v, manifest config %+v\nwant %+v", res, m.Config, want)
	}
	if _, err := image.Open(out); err != nil {
		t.Error(err)
	}

	ref := withConfig(nil, []string{"/bin/sh", "-c", "/app/prog arg1"})
	out = filepath.Join(dir, "shell.img")
	_, err = FromImage(context.Background(), FromImageOptions{Ref: ref, Output: out, Kernel: fakeKernel})
	if err == nil || !strings.HasPrefix(err.Error(), ref+": its CMD is a shell command line") {
		t.Errorf("a shell-form CMD: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an image was written for a refused container image")
	}
}

// A unigo.yaml beside the program gives its image's defaults and root, as
// it does a Go package's.
func TestExecConfigFile(t *testing.T) {
	needTool(t, "musl-gcc", "musl-tools")
	isolateCache(t)
	dir := t.TempDir()
	prog := buildC(t, dir, "prog", "musl-gcc", "-static", "-O2")
	os.MkdirAll(filepath.Join(dir, "www"), 0o755)
	os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("hi\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "app.conf"), []byte("x=1\n"), 0o644)
	yaml := "name: cprog\nargs: [-v]\nenv:\n  MODE: test\nmemory: 32M\nports: [7000]\nrootfs: ./www\nfiles:\n  /etc/app.conf: app.conf\n"
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "prog.img")
	res, err := Exec(context.Background(), ExecOptions{Program: prog, Output: out, Kernel: fakeKernel})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest().Config
	if strings.Join(m.Args, " ") != "-v" || strings.Join(m.Env, " ") != "MODE=test" || m.Memory != 32<<20 || strings.Join(m.Ports, " ") != "7000/tcp" {
		t.Errorf("defaults from unigo.yaml: %+v", m)
	}
	names := rootfsNames(t, out)
	for _, want := range []string{"index.html", "etc/app.conf", "prog", ".unigo/exe"} {
		if !slices.Contains(names, want) {
			t.Errorf("the image's root lacks %s: %q", want, names)
		}
	}
}

// rootfsNames lists the entries of an image's root file system archive
// (image.RootArchive).
func rootfsNames(t *testing.T, img string) []string {
	t.Helper()
	f, err := elf.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root := image.RootArchive(f)
	if root == nil {
		t.Fatalf("%s has no root file system", img)
	}
	hs, err := cpio.List(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range hs {
		names = append(names, h.Name)
	}
	return names
}
