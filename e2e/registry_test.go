package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"golang.org/x/crypto/bcrypt"

	"unigo.dev/unigo/internal/registryserver"
)

// registry starts a private registry (package registryserver) for the
// test, with basic auth when htpasswd is given, and returns its host:port.
func registry(t *testing.T, htpasswd string) string {
	t.Helper()
	srv, err := registryserver.Start(t.TempDir(), htpasswd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv.Addr
}

// greeterModule writes a module whose app prints its args and environment,
// with a unigo.yaml giving args, env, memory and a port.
func greeterModule(t *testing.T, greeting string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/greeter\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"fmt"
	"os"
)

func main() { fmt.Printf("args=%q GREETING=%q\n", os.Args[1:], os.Getenv("GREETING")) }
`), 0o644)
	os.WriteFile(filepath.Join(dir, "unigo.yaml"), []byte("args: [-x, hello world]\nenv:\n  GREETING: "+greeting+"\nmemory: 32M\nports: [8080]\n"), 0o644)
	return dir
}

// Push to a real registry, pull into an empty store, boot; a second push
// sends nothing; the digest is the same everywhere; pull by digest; a tag
// moved in the registry is pulled anew.
func TestRegistryPushPull(t *testing.T) {
	t.Parallel()
	reg := registry(t, "")
	a, b := t.TempDir(), t.TempDir()
	ref := reg + "/greeter:v1"
	in(t, a, "build", "-t", ref, greeterModule(t, "hi")).expect(t, 0)
	push := in(t, a, "push", ref)
	push.expect(t, 0, ref+"@sha256:", "stderr:Pushed", "stderr:The push refers to repository ["+reg+"/greeter]", "stderr:debug information: Pushed")
	digest := strings.TrimSpace(push.stdout[strings.Index(push.stdout, "@")+1:])
	in(t, a, "push", ref).expect(t, 0, "stderr:Layer already exists", "stderr:debug information: Already exists")
	if d := in(t, a, "images", "--digests"); !strings.Contains(d.stdout, digest) {
		t.Errorf("images --digests lacks the pushed digest %s:\n%v", digest, d)
	}

	pull := in(t, b, "pull", ref)
	pull.expect(t, 0, "sha256:", "stderr:Pull complete", "stderr:Digest: "+digest)
	in(t, b, "run", ref).expect(t, 0, `args=["-x" "hello world"] GREETING="hi"`)
	in(t, b, "run", "--env", "GREETING=yo", ref, "--", "a").expect(t, 0, `args=["a"] GREETING="yo"`)
	if id := strings.TrimSpace(pull.stdout); !strings.Contains(in(t, a, "images", "--digests").stdout, id[7:19]) {
		t.Errorf("the pulled image's ID %s is not the pushed one's", id)
	}
	in(t, b, "pull", ref).expect(t, 0, "stderr:Already exists")
	checkDebug(t, b, ref, digest)

	// By digest: no tag, boots by its ID.
	byDigest := in(t, b, "pull", reg+"/greeter@"+digest)
	byDigest.expect(t, 0)
	in(t, b, "run", strings.TrimSpace(byDigest.stdout)).expect(t, 0, `GREETING="hi"`)

	// A valid OCI image for linux/amd64, as any registry client sees it:
	// every blob, digest and diff ID consistent.
	rref, _ := name.ParseReference(ref)
	desc, err := remote.Get(rref)
	if err != nil {
		t.Fatal(err)
	}
	if desc.MediaType != "application/vnd.oci.image.manifest.v1+json" || desc.Digest.String() != digest {
		t.Errorf("manifest %s %s, want an OCI manifest %s", desc.MediaType, desc.Digest, digest)
	}
	ri, err := desc.Image()
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(ri); err != nil {
		t.Errorf("the pushed image is not a valid OCI image: %v", err)
	}
	// And as skopeo (containers/image, another implementation) sees it.
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Fatal("skopeo is not installed: run .ci/setup (Debian package skopeo)")
	}
	sk, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "docker://"+ref).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, sk)
	}
	for _, want := range []string{`"Digest": "` + digest + `"`, `"Architecture": "amd64"`, `"Os": "linux"`, `"dev.unigo.image.format": "unigo-image/1"`} {
		if !strings.Contains(string(sk), want) {
			t.Errorf("skopeo inspect lacks %s:\n%s", want, sk)
		}
	}

	// The tag moves in the registry (build --push): the next pull brings
	// the new image.
	in(t, a, "build", "-t", ref, "--push", greeterModule(t, "moved")).expect(t, 0, "stderr:Pushed")
	in(t, b, "pull", ref).expect(t, 0, "stderr:Pull complete")
	in(t, b, "run", ref).expect(t, 0, `GREETING="moved"`)
}

// checkDebug: the image pulled into root came without its DWARF, which
// is in the registry apart, as an artifact referring to the image (the
// tag sha256-DIGEST on a registry without the referrers API), and which
// pull --debug adds to the same image; a crash report is symbolized
// either way (e2e's kernel-crash tests), a profile has inlined frames
// only with it.
func checkDebug(t *testing.T, root, ref, digest string) {
	t.Helper()
	if ents, _ := os.ReadDir(filepath.Join(root, "images", "debug", "sha256")); len(ents) != 0 {
		t.Errorf("a pull without --debug stored %d debug files", len(ents))
	}
	rref, _ := name.ParseReference(ref)
	img, err := remote.Image(rref)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	imageSize, _ := layers[0].Size()
	idx, err := remote.Referrers(rref.Context().Digest(digest))
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].ArtifactType != "application/vnd.dev.unigo.debug.v1+json" {
		t.Fatalf("the image's referrers: %+v, want the debug artifact", im.Manifests)
	}
	art, err := remote.Image(rref.Context().Digest(im.Manifests[0].Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := art.Manifest()
	if m.Subject == nil || m.Subject.Digest.String() != digest || len(m.Layers) != 1 {
		t.Errorf("the debug artifact's manifest: %+v", m)
	}
	t.Logf("image layer %d bytes, debug information %d bytes", imageSize, m.Layers[0].Size)

	id := in(t, root, "images").stdout
	in(t, root, "pull", "--debug", ref).expect(t, 0, "stderr:Already exists", "stderr:debug information: Pull complete")
	if again := in(t, root, "images").stdout; again != id {
		t.Errorf("pull --debug changed the image: %s, was %s", again, id)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "images", "debug", "sha256")); len(ents) != 1 {
		t.Errorf("pull --debug stored %d debug files, want 1", len(ents))
	}
	in(t, root, "pull", "--debug", ref).expect(t, 0, "stderr:debug information: Already exists")
}

// The registry with basic auth: credentials come from the Docker config;
// a wrong password is one error that names the registry.
func TestRegistryAuth(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	reg := registry(t, "tester:"+string(hash)+"\n")
	root := t.TempDir()
	ref := reg + "/greeter:v1"
	in(t, root, "build", "-t", ref, greeterModule(t, "hi")).expect(t, 0)
	dockerConfig := func(pass string) string {
		dir := t.TempDir()
		auth := base64.StdEncoding.EncodeToString([]byte("tester:" + pass))
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths": {"`+reg+`": {"auth": "`+auth+`"}}}`), 0o600)
		return "DOCKER_CONFIG=" + dir
	}
	env := []string{"UNIGO_ROOT=" + root}
	failsWith(t, unigo(t, append(env, dockerConfig("wrong")), "push", ref), "the registry "+reg+" refused the credentials", "docker login "+reg)
	unigo(t, append(env, dockerConfig("s3cret")), "push", ref).expect(t, 0, "stderr:Pushed")
	other := t.TempDir()
	failsWith(t, unigo(t, []string{"UNIGO_ROOT=" + other, dockerConfig("wrong")}, "pull", ref), "refused the credentials")
	unigo(t, []string{"UNIGO_ROOT=" + other, dockerConfig("s3cret")}, "pull", ref).expect(t, 0)
}

// Docker takes unigo's images: docker pull from the registry and docker
// load of unigo save, with the app's defaults in the standard config; and
// unigo load takes docker save's archive of one.
func TestDockerPullAndLoad(t *testing.T) {
	t.Parallel()
	if err := exec.Command("docker", "version").Run(); err != nil {
		t.Fatalf("the Docker engine does not answer (docker version: %v): start it", err)
	}
	reg := registry(t, "")
	root := t.TempDir()
	ref := reg + "/greeter:v1"
	loaded := reg + "/greeter-loaded:v1"
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref, loaded).Run() })
	in(t, root, "build", "-t", ref, greeterModule(t, "hi")).expect(t, 0)
	in(t, root, "tag", ref, loaded).expect(t, 0)
	in(t, root, "push", "-q", ref).expect(t, 0)
	docker := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	docker("pull", ref)
	for _, img := range []string{ref, loaded} {
		if img == loaded {
			archive := filepath.Join(t.TempDir(), "greeter.tar")
			in(t, root, "save", "-o", archive, loaded).expect(t, 0)
			docker("load", "-i", archive)
		}
		cfg := docker("image", "inspect", "--format", "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.Env}} {{json .Config.ExposedPorts}} {{.Os}}/{{.Architecture}} {{index .Config.Labels \"dev.unigo.image.memory\"}}", img)
		for _, want := range []string{`["/.unigo/kernel"]`, `["-x","hello world"]`, `"GREETING=hi"`, `{"8080/tcp":{}}`, "linux/amd64", "33554432"} {
			if !strings.Contains(cfg, want) {
				t.Errorf("docker image inspect %s: %s lacks %s", img, cfg, want)
			}
		}
	}
	// docker save of a unigo image → unigo load → boots.
	archive := filepath.Join(t.TempDir(), "docker.tar")
	docker("save", "-o", archive, ref)
	fresh := t.TempDir()
	in(t, fresh, "load", "-i", archive).expect(t, 0, "Loaded image: "+ref)
	in(t, fresh, "run", ref).expect(t, 0, `GREETING="hi"`)
}

// Bad input: each is one clear error, and nothing is stored.
func TestRegistryBadInput(t *testing.T) {
	t.Parallel()
	reg := registry(t, "")
	root := t.TempDir()
	ref := reg + "/greeter:v1"
	in(t, root, "build", "-t", ref, greeterModule(t, "hi")).expect(t, 0)
	in(t, root, "push", "-q", ref).expect(t, 0)
	empty := func(t *testing.T, root string) {
		t.Helper()
		if out := in(t, root, "images").stdout; strings.Count(out, "\n") > 1 {
			t.Errorf("something was stored:\n%s", out)
		}
	}

	// A plain container image.
	plain, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	pref, _ := name.ParseReference(reg + "/plain:v1")
	if err := remote.Write(pref, plain); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	failsWith(t, in(t, other, "pull", reg+"/plain:v1"), "not a unigo image", "unigo build -t")
	// A tag the registry does not have; a registry that is not there.
	failsWith(t, in(t, other, "pull", reg+"/greeter:nosuch"), "has no such image")
	start := time.Now()
	failsWith(t, in(t, other, "pull", fmt.Sprintf("127.0.0.1:%d/greeter:v1", freePort(t))), "cannot reach the registry")
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("an unreachable registry took %v to give up on", d)
	}
	failsWith(t, in(t, other, "pull", "not a reference"), "is not an image reference")
	empty(t, other)

	// A registry that lies: a proxy that damages the layer on its way.
	up, _ := url.Parse("http://" + strings.Replace(reg, "localhost", "127.0.0.1", 1))
	proxy := httputil.NewSingleHostReverseProxy(up)
	proxy.ModifyResponse = func(r *http.Response) error {
		if strings.Contains(r.Request.URL.Path, "/manifests/") && r.Request.Method == http.MethodGet {
			// Another manifest than the one asked for by digest.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return err
			}
			body = append(body, ' ')
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			r.Header.Set("Content-Length", fmt.Sprint(len(body)))
			return nil
		}
		if !strings.Contains(r.Request.URL.Path, "/blobs/") || r.ContentLength < 4096 {
			return nil
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		body[len(body)/2] ^= 0xff
		r.Body = io.NopCloser(bytes.NewReader(body))
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	liar := strings.Replace(l.Addr().String(), "127.0.0.1", "localhost", 1)
	digest := strings.TrimSpace(in(t, root, "images", "--digests").stdout)
	digest = digest[strings.Index(digest, "sha256:"):][:71]
	r := in(t, other, "pull", liar+"/greeter@"+digest)
	failsWith(t, r, "pull "+liar+"/greeter@"+digest, "digest")
	t.Logf("a registry that serves another manifest: %s", strings.TrimSpace(r.stderr))
	r = in(t, other, "pull", liar+"/greeter:v1")
	failsWith(t, r, "pull "+liar+"/greeter:v1", "layer", "nothing was stored")
	t.Logf("a registry that damages a layer: %s", strings.TrimSpace(r.stderr))
	empty(t, other)

	// Archives: not one; one whose layer is cut short.
	notes := filepath.Join(t.TempDir(), "notes.tar")
	os.WriteFile(notes, []byte("hello"), 0o644)
	failsWith(t, in(t, other, "load", "-i", notes), "is not an image archive")
	archive := filepath.Join(t.TempDir(), "greeter.tar")
	in(t, root, "save", "-o", archive, ref).expect(t, 0)
	cut := filepath.Join(t.TempDir(), "cut.tar")
	truncateLayer(t, archive, cut)
	failsWith(t, in(t, other, "load", "-i", cut), "cut.tar", "image 1", "ends early", "nothing was stored")
	empty(t, other)
}

// failsWith checks that a command that shows progress failed with exit
// code 125 and one error, its last line, that says wants.
func failsWith(t *testing.T, r result, wants ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	if r.code != 125 || !strings.HasPrefix(last, "unigo: ") || strings.Count(r.stderr, "unigo: ") != 1 {
		t.Fatalf("want exit code 125 and one error, last:\n%v", r)
	}
	for _, w := range wants {
		if !strings.Contains(last, w) {
			t.Fatalf("the error lacks %q:\n%v", w, r)
		}
	}
}

// truncateLayer copies the archive src to dst with its layer cut to half.
func truncateLayer(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	tr, tw := tar.NewReader(f), tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		if strings.HasSuffix(h.Name, ".tar.gz") {
			body = body[:len(body)/2]
			h.Size = int64(len(body))
		}
		tw.WriteHeader(h)
		tw.Write(body)
	}
	tw.Close()
	os.WriteFile(dst, out.Bytes(), 0o644)
}
