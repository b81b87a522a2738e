package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"unigo.dev/unigo/image"
)

// imageWithDWARF links a small Go program as unigo build does and returns
// the path of its image, DWARF included.
func imageWithDWARF(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/prog\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644)
	cmd := exec.Command("go", "build", "-ldflags", "-T 0x101000", "-o", "prog", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "prog"))
	if err != nil {
		t.Fatal(err)
	}
	if data, err = image.FromELF(data); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "prog.img")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// An image is stored without its DWARF, which is kept beside it; the
// image file alone (as a pull brings it) is the same image, and gets its
// debug file later; removing or pruning the image removes both.
func TestDebugApart(t *testing.T) {
	s := Open(t.TempDir())
	full := imageWithDWARF(t)
	img, err := s.Add(full, Manifest{}, ref(t, "prog:v1"))
	if err != nil {
		t.Fatal(err)
	}
	kernel, err := s.BlobPath(img)
	if err != nil {
		t.Fatal(err)
	}
	kdata, _ := os.ReadFile(kernel)
	if image.HasDebug(kdata) {
		t.Fatal("the stored image file still has its DWARF")
	}
	debug, err := s.DebugPath(img)
	if err != nil || debug == "" {
		t.Fatalf("DebugPath = %q, %v", debug, err)
	}
	ddata, _ := os.ReadFile(debug)
	if err := image.CheckDebug(kdata, ddata); err != nil {
		t.Fatalf("the stored debug file: %v", err)
	}

	// As a pull stores it: the image file without DWARF, the same ID.
	other := Open(t.TempDir())
	pulled, err := other.Add(kernel, img.Manifest, ref(t, "prog:v1"))
	if err != nil {
		t.Fatal(err)
	}
	if pulled.ID != img.ID {
		t.Errorf("the image without its DWARF is %s, the built one %s", pulled.ID, img.ID)
	}
	if p, err := other.DebugPath(pulled); p != "" || err != nil {
		t.Errorf("DebugPath of an image without debug information = %q, %v", p, err)
	}
	if err := other.AddDebug(pulled.Manifest.Blob.Digest, kdata); err == nil {
		t.Error("AddDebug took an image file as a debug file")
	}
	if err := other.AddDebug(pulled.Manifest.Blob.Digest, ddata); err != nil {
		t.Fatalf("AddDebug: %v", err)
	}
	if p, err := other.DebugPath(pulled); p == "" || err != nil {
		t.Errorf("DebugPath after AddDebug = %q, %v", p, err)
	}

	// A damaged debug file is reported, not read.
	os.Chmod(debug, 0o644)
	os.WriteFile(debug, []byte("damaged"), 0o644)
	if _, err := s.DebugPath(img); err == nil {
		t.Error("DebugPath of a damaged debug file: no error")
	}

	// Removal takes the debug file along; so does a prune.
	if _, err := other.Remove("prog:v1", false, nil); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{other.blobDir(), other.debugDir()} {
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s keeps %d files after rmi", dir, len(ents))
		}
	}
	if err := os.Remove(s.tagPath(ref(t, "prog:v1"))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(false, nil); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{s.blobDir(), s.debugDir()} {
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%s keeps %d files after prune", dir, len(ents))
		}
	}
}
