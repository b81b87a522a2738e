package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Container images and programs that are not unigo images: a FROM scratch
// image of a static C program made into a unigo image with `unigo build
// --from` (from the Docker engine, and from a `docker save` archive) and
// booted with its Docker defaults (args, env, working directory); a static
// program booted by `unigo run ./prog`; and what cannot boot refused at
// build time, one clear error, nothing stored.

// fromProgram prints its arguments, an environment variable, its working
// directory and a file it reads by a relative path, and exits with 2 +
// the number of its arguments.
const fromProgram = `#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
	char cwd[256], line[128];
	for (int i = 1; i < argc; i++) printf("arg%d=%s\n", i, argv[i]);
	printf("GREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
	printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "(error)");
	FILE *f = fopen("note.txt", "r");
	if (f && fgets(line, sizeof line, f)) printf("note=%s", line);
	else printf("note=(missing)\n");
	return 2 + argc - 1;
}
`

const fromDockerfile = `FROM scratch
COPY prog /app/prog
COPY note.txt /data/note.txt
ENV GREETING=hello-from-env
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["/app/prog"]
CMD ["arg1"]
`

// fromWork is a test's working directory: the C program, compiled, and a
// unigo root of its own.
type fromWork struct {
	dir, root string
}

func newFromWork(t *testing.T) *fromWork {
	t.Helper()
	w := &fromWork{dir: t.TempDir(), root: t.TempDir()}
	t.Cleanup(func() { removeAll(t, w.root) })
	return w
}

// compileC compiles fromProgram with cc and args into w.dir/name.
func (w *fromWork) compileC(t *testing.T, name, cc, pkg string, args ...string) string {
	t.Helper()
	cc = needTool(t, cc, pkg)
	src := filepath.Join(w.dir, "prog.c")
	if err := os.WriteFile(src, []byte(fromProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(w.dir, name)
	if b, err := exec.Command(cc, append(append([]string{}, args...), "-O2", "-o", out, src)...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", cc, args, err, b)
	}
	return out
}

// unigo runs the unigo command in w.dir (so that no file there is taken
// for an image of the same name), with w.root as the unigo root.
func (w *fromWork) unigo(t *testing.T, args ...string) result {
	t.Helper()
	return unigoAt(t, w.dir, []string{"UNIGO_ROOT=" + w.root}, args...)
}

// refused checks that a command failed as unigo fails (exit 125), its last
// line of stderr the error, saying wants, and that the store is empty.
func (w *fromWork) refused(t *testing.T, r result, wants ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	if r.code != 125 || !strings.HasPrefix(last, "unigo: ") {
		t.Fatalf("want exit code 125 and an error on the last line, got:\n%v", r)
	}
	for _, want := range wants {
		if !strings.Contains(last, want) {
			t.Fatalf("the error lacks %q:\n%v", want, r)
		}
	}
	if images := w.images(t); images != "" {
		t.Fatalf("images stored after a refused build:\n%s", images)
	}
}

// images is what unigo images lists, without its header line.
func (w *fromWork) images(t *testing.T) string {
	t.Helper()
	r := w.unigo(t, "images")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "NAME ") {
		t.Fatalf("unigo images:\n%v", r)
	}
	_, rest, _ := strings.Cut(r.stdout, "\n")
	return rest
}

// dockerImage builds a FROM scratch image of the files in w.dir named by
// files, with dockerfile, by the local Docker engine, removed at the
// test's end; it returns its tag.
func (w *fromWork) dockerImage(t *testing.T, name, dockerfile string, files ...string) string {
	t.Helper()
	docker := needTool(t, "docker", "docker.io")
	if out, err := exec.Command(docker, "version").CombinedOutput(); err != nil {
		t.Fatalf("the Docker engine does not answer (docker version: %v): start it\n%s", err, out)
	}
	ctx := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(ctx, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(w.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ctx, f), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("unigo-e2e-execfrom-%s:%d", name, os.Getpid())
	t.Cleanup(func() {
		if out, err := exec.Command(docker, "rmi", "-f", tag).CombinedOutput(); err != nil {
			t.Errorf("docker rmi %s: %v\n%s", tag, err, out)
		}
	})
	if out, err := exec.Command(docker, "build", "-q", "-t", tag, ctx).CombinedOutput(); err != nil {
		t.Fatalf("docker build %s: %v\n%s", name, err, out)
	}
	return tag
}

func TestExecFromImage(t *testing.T) {
	w := newFromWork(t)
	w.compileC(t, "prog", "musl-gcc", "musl-tools", "-static")
	os.WriteFile(filepath.Join(w.dir, "note.txt"), []byte("note in /data\n"), 0o644)
	tag := w.dockerImage(t, "app", fromDockerfile, "prog", "note.txt")
	archive := filepath.Join(w.dir, "app.tar")
	if out, err := exec.Command("docker", "save", "-o", archive, tag).CombinedOutput(); err != nil {
		t.Fatalf("docker save: %v\n%s", err, out)
	}

	for name, from := range map[string]string{"fromengine": tag, "fromarchive": "./app.tar"} {
		r := w.unigo(t, "build", "--from", from, "-t", name)
		r.expect(t, 0, "stderr:tagged "+name+":latest")
		// As docker run IMAGE would run it: ENTRYPOINT with CMD's
		// argument, ENV, in WORKDIR, where the relative name is found.
		w.unigo(t, "run", name).expect(t, 3, "arg1=arg1\n", "GREETING=hello-from-env\n", "cwd=/data\n", "note=note in /data\n")
		// Arguments replace CMD's; -e adds to ENV.
		r = w.unigo(t, "run", "-e", "GREETING=hi", name, "x", "y")
		r.expect(t, 4, "arg1=x\narg2=y\n", "GREETING=hi\n", "cwd=/data\n")
		if strings.Contains(r.stdout, "arg1=arg1") {
			t.Fatalf("CMD's argument given besides the run's:\n%v", r)
		}
		w.unigo(t, "inspect", "--type", "image", name).expect(t, 0, `"workingDir": "/data"`, `"8080/tcp"`, `"arg1"`)
	}
	w.unigo(t, "rmi", "fromengine", "fromarchive").expect(t, 0)
	if images := w.images(t); images != "" {
		t.Fatalf("images left:\n%s", images)
	}
}

// `unigo run ./prog -- ARG`: a static program boots unmodified, through a
// temporary image; a dynamically linked one is refused.
func TestExecFromRunProgram(t *testing.T) {
	w := newFromWork(t)
	w.compileC(t, "prog", "musl-gcc", "musl-tools", "-static")
	w.unigo(t, "run", "./prog", "--", "x").expect(t, 3, "arg1=x\n", "cwd=/\n", "note=(missing)\n")
	w.unigo(t, "run", "-e", "GREETING=hey", "prog", "a", "b").expect(t, 4, "arg1=a\narg2=b\n", "GREETING=hey\n")

	w.compileC(t, "dyn", "gcc", "gcc")
	r := w.unigo(t, "run", "./dyn")
	w.refused(t, r, "dyn is dynamically linked", "link it statically")
}

// What cannot boot is refused by unigo build --from, one clear error,
// nothing stored and no image file written.
func TestExecFromBadInput(t *testing.T) {
	w := newFromWork(t)
	w.compileC(t, "prog", "musl-gcc", "musl-tools", "-static")
	w.compileC(t, "dyn", "gcc", "gcc")
	for _, tt := range []struct {
		name, dockerfile string
		wants            []string
	}{
		{"shell", "FROM scratch\nCOPY prog /app/prog\nCMD /app/prog arg1\n",
			[]string{"its CMD is a shell command line (/bin/sh -c \"/app/prog arg1\")", "a unikernel has no shell", `CMD ["/app/prog", "arg1"]`}},
		{"dynamic", "FROM scratch\nCOPY dyn /app/dyn\nENTRYPOINT [\"/app/dyn\"]\n",
			[]string{"its ENTRYPOINT /app/dyn is dynamically linked", "link it statically"}},
		{"missing", "FROM scratch\nCOPY prog /app/prog\nENTRYPOINT [\"/app/missing\"]\n",
			[]string{"its ENTRYPOINT /app/missing is not in the image"}},
	} {
		tag := w.dockerImage(t, tt.name, tt.dockerfile, "prog", "dyn")
		w.refused(t, w.unigo(t, "build", "--from", tag, "-t", tt.name), append([]string{tag + ": "}, tt.wants...)...)
		out := filepath.Join(w.dir, tt.name+".img")
		w.refused(t, w.unigo(t, "build", "--from", tag, "-o", out), tt.wants...)
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: %s written for a refused image", tt.name, out)
		}
	}
}
