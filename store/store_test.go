package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"unigo.dev/unigo/vmm/floorguest"
)

// testImage writes a valid unigo image (the floor guest), made different
// from others by variant, and returns its path.
func testImage(t *testing.T, variant string) string {
	t.Helper()
	data, err := floorguest.Image()
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, variant...) // after the loaded segment: still an image
	p := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ref(t *testing.T, s string) Ref {
	t.Helper()
	r, err := ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]string{
		"hello":                 "hello:latest",
		"hello:v1":              "hello:v1",
		"example.com/team/web":  "example.com/team/web:latest",
		"web-api_2:1.0-rc.1":    "web-api_2:1.0-rc.1",
		"localhost/app:V2":      "localhost/app:V2",
		"a.b/c:d":               "a.b/c:d",
		"x/y.z":                 "x/y.z:latest",
		"localhost:5000/web":    "localhost:5000/web:latest",
		"localhost:5000/a/b:v1": "localhost:5000/a/b:v1",
		"127.0.0.1:5000/web:v1": "127.0.0.1:5000/web:v1",
		strings.Repeat("a", 90): strings.Repeat("a", 90) + ":latest",
	} {
		r, err := ParseRef(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseRef(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, in := range []string{"", "Hello", "hello:", ":v1", "a//b", "-a", "a-", "a..b", "hello:-x", "hello:.x", "he llo", "a/b/", "hello:v1:v2", "localhost:50x/web", "localhost:/web", ":5000/web"} {
		if r, err := ParseRef(in); err == nil {
			t.Errorf("ParseRef(%q) = %v, want an error", in, r)
		}
	}
	if r := ref(t, "localhost:5000/team/web:v1"); r.Base() != "web" || r.Name != "localhost:5000/team/web" {
		t.Errorf("Base = %q, Name = %q", r.Base(), r.Name)
	}
	if r := ref(t, "example.com/team/web:v1"); r.Base() != "web" {
		t.Errorf("Base = %q", r.Base())
	}
}

func TestDefaultRoot(t *testing.T) {
	t.Setenv("UNIGO_ROOT", "/srv/unigo")
	if r, err := DefaultRoot(); err != nil || r != "/srv/unigo" {
		t.Errorf("with UNIGO_ROOT: %q, %v", r, err)
	}
	t.Setenv("UNIGO_ROOT", "")
	want := "/var/lib/unigo"
	if os.Geteuid() != 0 {
		t.Setenv("XDG_DATA_HOME", "/x/share")
		want = "/x/share/unigo"
	}
	if r, err := DefaultRoot(); err != nil || r != want {
		t.Errorf("DefaultRoot() = %q, %v; want %q", r, err, want)
	}
}

func TestAddGetTagRemove(t *testing.T) {
	s := Open(t.TempDir())
	if imgs, err := s.List(); err != nil || len(imgs) != 0 {
		t.Fatalf("a new store lists %v, %v", imgs, err)
	}
	cfg := Config{Args: []string{"-v"}, Env: []string{"A=1"}, Memory: 32 << 20, Ports: []string{"8080/tcp"}}
	img, err := s.Add(testImage(t, "one"), Manifest{GoVersion: "go1.26", Config: cfg}, ref(t, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !isDigest(img.ID) || strings.Join(img.Tags, ",") != "hello:latest" || img.Manifest.Format != "unigo-image/1" || img.Manifest.Created.IsZero() {
		t.Fatalf("Add = %+v", img)
	}
	for _, name := range []string{"hello", "hello:latest", img.ID, ShortID(img.ID), ShortID(img.ID)[:4]} {
		got, err := s.Get(name)
		if err != nil || got.ID != img.ID || got.Manifest.Config.Memory != 32<<20 || got.Manifest.GoVersion != "go1.26" {
			t.Errorf("Get(%q) = %+v, %v", name, got, err)
		}
	}
	if p, err := s.BlobPath(img); err != nil || !strings.Contains(p, strings.TrimPrefix(img.Manifest.Blob.Digest, "sha256:")) {
		t.Errorf("BlobPath = %q, %v", p, err)
	}

	// The same image again: same ID. Another tag: same image.
	again, err := s.Add(testImage(t, "one"), Manifest{GoVersion: "go1.26", Config: cfg}, ref(t, "hello"))
	if err != nil || again.ID != img.ID {
		t.Errorf("the same image stored again: %v, %v (was %s)", again.ID, err, img.ID)
	}
	if err := s.Tag("hello", ref(t, "hello:v1")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("hello:v1"); got == nil || strings.Join(got.Tags, ",") != "hello:latest,hello:v1" {
		t.Errorf("after tag: %+v", got)
	}
	if _, err := s.Remove(img.ID, false, nil); err == nil || !strings.Contains(err.Error(), "has 2 tags") {
		t.Errorf("removing an ID with two tags: %v", err)
	}

	// Used by an instance: kept.
	inUse := func(id string) []string {
		if id == img.ID {
			return []string{"web1"}
		}
		return nil
	}
	if rm, err := s.Remove("hello:v1", false, inUse); err != nil || rm.Deleted != "" || strings.Join(rm.Untagged, ",") != "hello:v1" {
		t.Errorf("untag one of two: %+v, %v", rm, err)
	}
	if _, err := s.Remove("hello", false, inUse); err == nil || !strings.Contains(err.Error(), "used by instance web1") {
		t.Errorf("removing an image in use: %v", err)
	}
	if rm, err := s.Remove("hello", true, inUse); err != nil || rm.Deleted != "" {
		t.Errorf("rmi -f of an image in use: %+v, %v", rm, err)
	}
	if _, err := s.Get(img.ID); err != nil {
		t.Errorf("the image an instance uses is gone: %v", err)
	}
	if p, err := s.Prune(false, inUse); err != nil || len(p.Images) != 0 {
		t.Errorf("prune deleted an image in use: %+v, %v", p, err)
	}
	p, err := s.Prune(false, nil)
	if err != nil || len(p.Images) != 1 || p.Files != 1 || p.Reclaimed == 0 {
		t.Errorf("prune = %+v, %v", p, err)
	}
	if _, err := s.Get(img.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after prune: %v", err)
	}
	if _, err := s.Get("nope"); err == nil || err.Error() != `no such image "nope": 'unigo images' lists the images; build one with 'unigo build -t nope:latest'` {
		t.Errorf("unknown image: %v", err)
	}
}

func TestCorruptedBlob(t *testing.T) {
	s := Open(t.TempDir())
	good, _ := s.Add(testImage(t, "good"), Manifest{}, ref(t, "good"))
	bad, _ := s.Add(testImage(t, "bad"), Manifest{}, ref(t, "bad"))
	p := s.blobPath(bad.Manifest.Blob.Digest)
	os.Chmod(p, 0o644)
	data, _ := os.ReadFile(p)
	data[100] ^= 1
	os.WriteFile(p, data, 0o644)

	img, err := s.Get("bad")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BlobPath(img); !errors.Is(err, ErrCorrupted) || !strings.Contains(err.Error(), "image bad:latest is corrupted") || !strings.Contains(err.Error(), "unigo rmi bad:latest") {
		t.Errorf("BlobPath of a damaged blob: %v", err)
	}
	if _, err := s.BlobPath(good); err != nil {
		t.Errorf("the other image: %v", err)
	}
	// Building it again repairs it.
	if _, err := s.Add(testImage(t, "bad"), Manifest{}, ref(t, "bad")); err != nil {
		t.Fatal(err)
	}
	if img, _ := s.Get("bad"); img == nil {
		t.Fatal("gone")
	} else if _, err := s.BlobPath(img); err != nil {
		t.Errorf("after a rebuild: %v", err)
	}
}

func TestCorruptedManifest(t *testing.T) {
	s := Open(t.TempDir())
	good, _ := s.Add(testImage(t, "good"), Manifest{}, ref(t, "good"))
	bad, _ := s.Add(testImage(t, "bad"), Manifest{}, ref(t, "bad"))
	p := s.manifestPath(bad.ID)
	os.Chmod(p, 0o644)
	os.WriteFile(p, []byte(`{"schemaVersion": 1, "blob": {"digest": "sha256:x"`), 0o644)

	if _, err := s.Get("bad"); !errors.Is(err, ErrCorrupted) || !strings.Contains(err.Error(), "image bad:latest is corrupted: its manifest does not match its digest") {
		t.Errorf("Get: %v", err)
	}
	imgs, err := s.List()
	if err != nil || len(imgs) != 2 {
		t.Fatalf("List = %+v, %v", imgs, err)
	}
	for _, img := range imgs {
		if (img.ID == bad.ID) != (img.Corrupted != "") {
			t.Errorf("List: %+v", img)
		}
	}
	// Prune keeps every blob: the damaged manifest may name any of them.
	if p, err := s.Prune(false, nil); err != nil || p.Kept == "" || p.Files != 0 {
		t.Errorf("prune = %+v, %v", p, err)
	}
	if rm, err := s.Remove("bad", false, nil); err != nil || rm.Deleted != bad.ID {
		t.Errorf("rmi of a corrupted image: %+v, %v", rm, err)
	}
	if p, err := s.Prune(false, nil); err != nil || p.Files != 1 {
		t.Errorf("prune after rmi = %+v, %v", p, err)
	}
	if img, err := s.Get("good"); err != nil {
		t.Errorf("the other image: %v", err)
	} else if _, err := s.BlobPath(img); err != nil || img.ID != good.ID {
		t.Errorf("the other image: %v", err)
	}
}

// Builds that race for one tag, and a prune among them, leave an image
// that is whole; what a killed build leaves behind is never visible and is
// pruned.
func TestConcurrentAddsAndKilledWriter(t *testing.T) {
	s := Open(t.TempDir())
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Add(testImage(t, strings.Repeat("x", i)), Manifest{}, ref(t, "app")); err != nil {
				t.Error(err)
			}
			if _, err := s.Prune(false, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	img, err := s.Get("app")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BlobPath(img); err != nil {
		t.Fatal(err)
	}

	// A writer killed after its blob, or in the middle of a file.
	os.WriteFile(filepath.Join(s.blobDir(), ".deadbeef.tmp123"), []byte("half"), 0o644)
	os.WriteFile(s.blobPath(digestOf([]byte("orphan"))), []byte("orphan"), 0o444)
	os.WriteFile(filepath.Join(s.tagsDir(), ".app:v2.tmp9"), []byte("sha"), 0o644)
	imgs, err := s.List()
	if err != nil || len(imgs) != 1 {
		t.Fatalf("List shows the debris: %+v, %v", imgs, err)
	}
	p, err := s.Prune(false, nil)
	if err != nil || p.Files != 3 || len(p.Images) != 0 {
		t.Errorf("prune = %+v, %v", p, err)
	}
	if _, err := s.BlobPath(img); err != nil {
		t.Fatal(err)
	}
}
