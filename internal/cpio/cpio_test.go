package cpio

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAddDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "testdata", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "testdata", "sub", "f.txt"), []byte("hello"), 0o644)
	os.Symlink("sub/f.txt", filepath.Join(dir, "testdata", "link"))
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.AddDir(dir, "/work/pkg"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"work\x00", "work/pkg\x00", "work/pkg/testdata/sub/f.txt\x00", "hello", "work/pkg/testdata/link\x00", "sub/f.txt", "TRAILER!!!"} {
		if !strings.Contains(s, want) {
			t.Fatalf("archive lacks %q", want)
		}
	}
	if buf.Len()%4 != 0 || !strings.HasPrefix(s, "070701") {
		t.Fatal("not a padded newc archive")
	}
}
