package cpio

import (
	"bytes"
	"fmt"
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

func TestList(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Entry("init", ModeRegular|0o755, 0, []byte("\x7fELF and more"))
	w.Entry("modules", ModeDir|0o755, 0, nil)
	w.Entry("modules/m.ko", ModeRegular|0o644, 0, []byte("abc"))
	w.Entry("sh", ModeSymlink|0o777, 0, []byte("/init"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	hs, err := List(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hs {
		got = append(got, fmt.Sprintf("%s %o %d %q", h.Name, h.Mode, h.Size, h.Head))
	}
	want := []string{`init 100755 13 "\x7fELF"`, `modules 40755 0 ""`, `modules/m.ko 100644 3 "abc"`, `sh 120777 5 "/ini"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := List(strings.NewReader("070702")); err == nil {
		t.Error("a truncated archive listed without error")
	}
}
