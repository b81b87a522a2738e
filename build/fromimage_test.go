package build

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"unigo.dev/unigo/internal/registryserver"
)

const scratchDockerfile = `FROM scratch
COPY hello /bin/hello
COPY data/ /data/
# A layer of its own that deletes a file: a whiteout.
RUN ["/bin/hello", "rm", "/data/gone"]
ENV GREETING=hi PATH=/bin
WORKDIR /srv
EXPOSE 8080/tcp 53/udp
USER 1000
ENTRYPOINT ["/bin/hello"]
CMD ["world"]
`

// scratchImage builds a FROM scratch image of a static C program with the
// local Docker engine, removed at the test's end; it returns its tag and ID.
func scratchImage(t *testing.T) (tag, id string) {
	t.Helper()
	needTool(t, "musl-gcc", "musl-tools")
	needTool(t, "docker", "docker.io")
	if out, err := exec.Command("docker", "version").CombinedOutput(); err != nil {
		t.Fatalf("the Docker engine does not answer (docker version: %v): start it\n%s", err, out)
	}
	ctx := t.TempDir()
	buildC(t, ctx, "hello", "musl-gcc", "-static", "-O2")
	writeTree(t, ctx, map[string]string{"Dockerfile": scratchDockerfile, "data/keep": "kept\n", "data/gone": "deleted\n"})
	os.Chmod(filepath.Join(ctx, "data/keep"), 0o640)
	os.Symlink("keep", filepath.Join(ctx, "data/link"))
	tag = fmt.Sprintf("unigo-test-fromimage:%d", os.Getpid())
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	if out, err := exec.Command("docker", "build", "-q", "-t", tag, ctx).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", tag).Output()
	if err != nil {
		t.Fatalf("docker image inspect %s: %v", tag, err)
	}
	return tag, strings.TrimSpace(string(out))
}

// checkScratchRoot checks the root and configuration ImageRoot gave for
// scratchImage's image.
func checkScratchRoot(t *testing.T, root string, conf *ImageConfig, id string) {
	t.Helper()
	st, err := os.Stat(filepath.Join(root, "bin/hello"))
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("bin/hello: %v, %v; want 0755", st, err)
	} else if err := CheckStaticExecutable(filepath.Join(root, "bin/hello")); err != nil {
		t.Errorf("the unpacked program: %v", err)
	}
	wantFile(t, root, "data/keep", "kept\n", 0o640)
	wantGone(t, root, "data/gone")
	if l, err := os.Readlink(filepath.Join(root, "data/link")); err != nil || l != "keep" {
		t.Errorf("data/link: %q, %v; want a link to keep", l, err)
	}
	want := fmt.Sprint([]string{"/bin/hello"}, []string{"world"}, "/srv", []string{"53/udp", "8080/tcp"}, "1000")
	if got := fmt.Sprint(conf.Entrypoint, conf.Cmd, conf.WorkingDir, conf.ExposedPorts, conf.User); got != want {
		t.Errorf("config %s, want %s", got, want)
	}
	env := strings.Join(conf.Env, " ")
	if !strings.Contains(env, "GREETING=hi") || !strings.Contains(env, "PATH=/bin") {
		t.Errorf("env %q", conf.Env)
	}
	if conf.ID != id {
		t.Errorf("ID %s, want the engine's %s", conf.ID, id)
	}
	if len(conf.Notes) != 0 {
		t.Errorf("notes %q", conf.Notes)
	}
}

// A FROM scratch image built by Docker, read from the engine by name, from
// docker save archives (plain and gzipped), and from a registry.
func TestImageRootDocker(t *testing.T) {
	tag, id := scratchImage(t)
	ctx := context.Background()

	t.Run("engine", func(t *testing.T) {
		root := t.TempDir()
		var progress strings.Builder
		conf, err := ImageRoot(ctx, tag, root, &progress)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("progress:\n%s", progress.String())
		if conf.Source != "docker" || !strings.Contains(progress.String(), "from the local Docker engine") {
			t.Errorf("source %q, progress %q", conf.Source, progress.String())
		}
		checkScratchRoot(t, root, conf, id)
	})

	saved := filepath.Join(t.TempDir(), "image.tar")
	if out, err := exec.Command("docker", "save", "-o", saved, tag).CombinedOutput(); err != nil {
		t.Fatalf("docker save: %v\n%s", err, out)
	}
	t.Run("docker save", func(t *testing.T) {
		root := t.TempDir()
		conf, err := ImageRoot(ctx, saved, root, nil)
		if err != nil {
			t.Fatal(err)
		}
		if conf.Source != "file" {
			t.Errorf("source %q", conf.Source)
		}
		checkScratchRoot(t, root, conf, id)
	})
	t.Run("docker save | gzip", func(t *testing.T) {
		gz := filepath.Join(t.TempDir(), "image.tar.gz")
		gzipFile(t, saved, gz)
		root := t.TempDir()
		conf, err := ImageRoot(ctx, gz, root, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkScratchRoot(t, root, conf, id)
	})

	t.Run("registry", func(t *testing.T) {
		srv, err := registryserver.Start(t.TempDir(), "")
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop()
		img, err := tarball.ImageFromPath(saved, nil)
		if err != nil {
			t.Fatal(err)
		}
		ref := srv.Addr + "/unigo-test/hello:v1"
		r, err := name.ParseReference(ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(r, img); err != nil {
			t.Fatalf("push: %v", err)
		}
		digest, _ := img.Digest()
		root := t.TempDir()
		var progress strings.Builder
		conf, err := ImageRoot(ctx, ref, root, &progress)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("progress:\n%s", progress.String())
		if conf.Source != "registry" || conf.Digest != digest.String() {
			t.Errorf("source %q, digest %s; want the registry's %s", conf.Source, conf.Digest, digest)
		}
		checkScratchRoot(t, root, conf, id)

		// A multi-platform index: the linux/amd64 image is taken.
		arm := craftImage(t, "arm64", layerTar(t, ent{name: "bin/hello", data: "not this one"}))
		idx := mutate.AppendManifests(empty.Index,
			mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
			mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
		multi, _ := name.ParseReference(srv.Addr + "/unigo-test/hello:multi")
		if err := remote.WriteIndex(multi, idx); err != nil {
			t.Fatalf("push the index: %v", err)
		}
		root = t.TempDir()
		if conf, err = ImageRoot(ctx, multi.String(), root, nil); err != nil {
			t.Fatal(err)
		}
		checkScratchRoot(t, root, conf, id)

		// An image of another platform alone is refused.
		armRef, _ := name.ParseReference(srv.Addr + "/unigo-test/hello:arm64")
		if err := remote.Write(armRef, arm); err != nil {
			t.Fatalf("push: %v", err)
		}
		_, err = ImageRoot(ctx, armRef.String(), t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), "built for linux/arm64; unigo runs linux/amd64 programs") {
			t.Errorf("an arm64 image: %v", err)
		}

		// One the registry does not have: every source is named.
		_, err = ImageRoot(ctx, srv.Addr+"/unigo-test/hello:nope", t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), "not a file, not in the local Docker engine, and the registry says") {
			t.Errorf("a missing image: %v", err)
		}
		t.Log(err)
	})
}

func gzipFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	if _, err := io.Copy(zw, in); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
