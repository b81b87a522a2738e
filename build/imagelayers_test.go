package build

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ent is one entry of a crafted layer: a file when only data is set.
type ent struct {
	name, data, link string
	typ              byte
	mode             int64
}

// layerTar writes entries as a tar stream, in their order.
func layerTar(t *testing.T, entries ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, ModTime: time.Unix(1700000000, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.data))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// craftImage makes an image of the layers for arch, with a config.
func craftImage(t *testing.T, arch string, layers ...[]byte) v1.Image {
	t.Helper()
	var ls []v1.Layer
	for _, b := range layers {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Entrypoint = []string{"/bin/app"}
	cf.Config.ExposedPorts = map[string]struct{}{"80": {}, "9000/udp": {}}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// writeLayout writes images into a new OCI layout, each with its platform
// in the index, and returns its directory.
func writeLayout(t *testing.T, imgs ...v1.Image) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		cf, _ := img.ConfigFile()
		if err := p.AppendImage(img, layout.WithPlatform(v1.Platform{OS: cf.OS, Architecture: cf.Architecture})); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// unpackCrafted runs ImageRoot on a layout of one image of layers, into a
// root under a directory of its own, and returns the root.
func unpackCrafted(t *testing.T, layers ...[]byte) (string, *ImageConfig, error) {
	t.Helper()
	lay := writeLayout(t, craftImage(t, "amd64", layers...))
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	conf, err := ImageRoot(context.Background(), lay, root, nil)
	return root, conf, err
}

// wantFile checks that root/name is a regular file with data and perm.
func wantFile(t *testing.T, root, name, data string, perm fs.FileMode) {
	t.Helper()
	p := filepath.Join(root, name)
	st, err := os.Lstat(p)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !st.Mode().IsRegular() || st.Mode().Perm() != perm {
		t.Errorf("%s: mode %v, want a file of %v", name, st.Mode(), perm)
	}
	if b, _ := os.ReadFile(p); string(b) != data {
		t.Errorf("%s: %q, want %q", name, b, data)
	}
}

// wantGone checks that root/name does not exist.
func wantGone(t *testing.T, root, name string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(root, name)); err == nil {
		t.Errorf("%s exists: it was deleted by a whiteout", name)
	}
}

func TestImageRootWhiteouts(t *testing.T) {
	l1 := layerTar(t,
		ent{name: "a/", typ: tar.TypeDir},
		ent{name: "a/f1", data: "one", mode: 0o600},
		ent{name: "a/f2", data: "two"},
		ent{name: "a/sub/x", data: "x"},
		ent{name: "b/", typ: tar.TypeDir},
		ent{name: "b/y", data: "y"},
		ent{name: "d/", typ: tar.TypeDir},
		ent{name: "d/old", data: "old"},
		ent{name: "c", typ: tar.TypeSymlink, link: "a"},
		ent{name: "abs", typ: tar.TypeSymlink, link: "/a"},
		ent{name: "a/hl", typ: tar.TypeLink, link: "a/f1"},
		ent{name: "bin/tool", data: "#!", mode: 0o4755},
		ent{name: "ro/", typ: tar.TypeDir, mode: 0o555},
		ent{name: "ro/file", data: "r", mode: 0o444},
		ent{name: "dev/null", typ: tar.TypeChar},
		ent{name: "dev/sda", typ: tar.TypeBlock},
		ent{name: "run/fifo", typ: tar.TypeFifo},
	)
	l2 := layerTar(t,
		ent{name: "a/.wh.f1"},
		ent{name: "a/f2", typ: tar.TypeSymlink, link: "hl"},
		ent{name: "b/z", data: "z"}, // before its directory's opaque marker
		ent{name: "b/.wh..wh..opq"},
		ent{name: "d/.wh..wh..opq"},
		ent{name: "d/new", data: "new"},
		ent{name: "c/through", data: "via c"},     // written through the link c → a
		ent{name: "abs/absolute", data: "via /a"}, // through /a, from the image's root
	)
	l3 := layerTar(t,
		ent{name: "./a/.wh.sub"},
		ent{name: "/ro/.wh.file"},
	)
	root, conf, err := unpackCrafted(t, l1, l2, l3)
	if err != nil {
		t.Fatal(err)
	}
	wantGone(t, root, "a/f1")
	wantFile(t, root, "a/hl", "one", 0o600) // the hard link outlives its first name
	if l, err := os.Readlink(filepath.Join(root, "a/f2")); err != nil || l != "hl" {
		t.Errorf("a/f2: %q, %v; want the link to hl that replaced the file", l, err)
	}
	wantGone(t, root, "a/sub")
	wantGone(t, root, "b/y")
	wantFile(t, root, "b/z", "z", 0o644)
	wantGone(t, root, "d/old")
	wantFile(t, root, "d/new", "new", 0o644)
	wantFile(t, root, "a/through", "via c", 0o644)
	wantFile(t, root, "a/absolute", "via /a", 0o644)
	if l, _ := os.Readlink(filepath.Join(root, "abs")); l != "/a" {
		t.Errorf("abs links to %q, want /a as the image has it", l)
	}
	st, err := os.Stat(filepath.Join(root, "bin/tool"))
	if err != nil || st.Mode()&fs.ModeSetuid == 0 || st.Mode().Perm() != 0o755 {
		t.Errorf("bin/tool: %v, %v; want setuid 0755", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Join(root, "ro")); err != nil || st.Mode().Perm() != 0o555 {
		t.Errorf("ro: %v, %v; want 0555", st.Mode(), err)
	}
	wantGone(t, root, "ro/file")
	wantGone(t, root, "dev/null")
	wantGone(t, root, "run/fifo")
	if len(conf.Notes) != 1 || !strings.Contains(conf.Notes[0], "2 device nodes and 1 FIFOs") {
		t.Errorf("notes: %q, want the 2 device nodes and the FIFO left out", conf.Notes)
	}
	if strings.Join(conf.ExposedPorts, " ") != "80/tcp 9000/udp" || conf.Source != "file" || conf.Digest == "" {
		t.Errorf("config: %+v", conf)
	}
}

// ImagePath follows links as the guest will, and stays inside the root.
func TestImagePath(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "prog"), []byte("host"), 0o755)
	root, _, err := unpackCrafted(t, layerTar(t,
		ent{name: "usr/local/bin/app", data: "app", mode: 0o755},
		ent{name: "bin", typ: tar.TypeSymlink, link: "usr/local/bin"},
		ent{name: "usr/bin/app", typ: tar.TypeSymlink, link: "/bin/app"},
		ent{name: "usr/bin/up", typ: tar.TypeSymlink, link: "../../../../../../bin/app"},
		ent{name: "esc", typ: tar.TypeSymlink, link: outside + "/prog"},
	))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "usr/local/bin/app")
	for _, p := range []string{"/bin/app", "/usr/bin/app", "usr/bin/up", "/usr/local/bin/app"} {
		if got, err := ImagePath(root, p); err != nil || got != want {
			t.Errorf("%s: %s, %v; want %s", p, got, err, want)
		}
	}
	for _, p := range []string{"/esc", "/bin/nope", "/usr/local/bin/app/x"} {
		if got, err := ImagePath(root, p); err == nil {
			t.Errorf("%s: %s, want an error: it is not in the image", p, got)
		}
	}
}

// A hostile layer cannot write, link or delete outside the directory: names
// with ".." are refused, and links are followed inside the image's root.
func TestImageRootHostileLayers(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("host"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		layers  [][]byte
		wantErr string
		inside  string // a file that the layers made inside the root instead
	}{
		{"dotdot", [][]byte{layerTar(t, ent{name: "../evil", data: "x"})}, "leaves the image's root", ""},
		{"inner dotdot", [][]byte{layerTar(t, ent{name: "a/../../evil", data: "x"})}, "leaves the image's root", ""},
		{"absolute name", [][]byte{layerTar(t, ent{name: outside + "/abs", data: "x"})}, "", outside + "/abs"},
		{"absolute link", [][]byte{layerTar(t,
			ent{name: "esc", typ: tar.TypeSymlink, link: outside},
			ent{name: "esc/pwned", data: "x"})}, "", outside + "/pwned"},
		{"relative link", [][]byte{layerTar(t,
			ent{name: "a/b/up", typ: tar.TypeSymlink, link: "../../../../../../.." + outside},
			ent{name: "a/b/up/pwned", data: "x"})}, "", outside + "/pwned"},
		{"link in a lower layer", [][]byte{
			layerTar(t, ent{name: "esc", typ: tar.TypeSymlink, link: outside}),
			layerTar(t, ent{name: "esc/pwned", data: "x"}, ent{name: "esc/.wh.secret"}, ent{name: "esc/.wh..wh..opq"})},
			"", outside + "/pwned"},
		{"hard link out", [][]byte{layerTar(t, ent{name: "hl", typ: tar.TypeLink, link: "../../../../.." + secret})}, "leaves the image's root", ""},
		{"hard link through a link", [][]byte{layerTar(t,
			ent{name: "esc", typ: tar.TypeSymlink, link: outside},
			ent{name: "hl", typ: tar.TypeLink, link: "esc/secret"})}, "not a file of the image", ""},
		{"whiteout of dot-dot", [][]byte{layerTar(t, ent{name: "a/", typ: tar.TypeDir}, ent{name: "a/.wh.."})}, "refusing the image", ""},
		{"link loop", [][]byte{layerTar(t,
			ent{name: "loop", typ: tar.TypeSymlink, link: "loop"},
			ent{name: "loop/x", data: "x"})}, "too many levels of symbolic links", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, _, err := unpackCrafted(t, c.layers...)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("error %v, want one that says %q", err, c.wantErr)
			}
			if c.inside != "" {
				wantFile(t, root, c.inside, "x", 0o644)
			}
			entries, _ := os.ReadDir(outside)
			if b, _ := os.ReadFile(secret); len(entries) != 1 || string(b) != "host" {
				t.Errorf("the layer changed a directory outside the root: %v, secret %q", entries, b)
			}
			parent, _ := os.ReadDir(filepath.Dir(root))
			if len(parent) != 1 {
				t.Errorf("the layer wrote next to the root: %v", parent)
			}
		})
	}
}

// From an index of several platforms, ImageRoot takes linux/amd64; an
// image of only another platform is refused, naming it.
func TestImageRootPlatforms(t *testing.T) {
	arm := craftImage(t, "arm64", layerTar(t, ent{name: "arch", data: "arm64"}))
	amd := craftImage(t, "amd64", layerTar(t, ent{name: "arch", data: "amd64"}))
	ctx := context.Background()

	both := writeLayout(t, arm, amd)
	root := t.TempDir()
	if _, err := ImageRoot(ctx, both, root, nil); err != nil {
		t.Fatal(err)
	}
	wantFile(t, root, "arch", "amd64", 0o644)

	// The same layout as a tar archive.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.AddFS(os.DirFS(both)); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	archive := filepath.Join(t.TempDir(), "oci.tar")
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	root = t.TempDir()
	conf, err := ImageRoot(ctx, archive, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantFile(t, root, "arch", "amd64", 0o644)
	if d, _ := amd.Digest(); conf.Digest != d.String() {
		t.Errorf("digest %s, want the amd64 manifest's %s", conf.Digest, d)
	}

	_, err = ImageRoot(ctx, writeLayout(t, arm), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "is built for linux/arm64; unigo runs linux/amd64 programs") {
		t.Errorf("an arm64 image: %v", err)
	}
	t.Log(err)
}

func TestImageRootRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	notImage := filepath.Join(dir, "files.tar")
	os.WriteFile(notImage, layerTar(t, ent{name: "x", data: "x"}), 0o644)
	random := filepath.Join(dir, "random.bin")
	os.WriteFile(random, bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 1000), 0o644)

	cases := []struct{ ref, dir, want string }{
		{writeLayout(t, craftImage(t, "amd64")), full, "is not empty"},
		{"./no-such-image.tar", t.TempDir(), "no-such-image.tar: no such file"},
		{dir, t.TempDir(), "is a directory but not an OCI image layout"},
		{notImage, t.TempDir(), "is a tar archive but not an image's"},
		{random, t.TempDir(), "is not a tar archive"},
		{"localhost:1/unigo-test/nope:v1", t.TempDir(), "not a file, not in the local Docker engine, and the registry says"},
		{"Not A Reference", t.TempDir(), "not an image reference"},
	}
	for _, c := range cases {
		_, err := ImageRoot(ctx, c.ref, c.dir, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error that says %q", c.ref, err, c.want)
			continue
		}
		t.Log(err)
	}
}
