package compare

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"strings"
	"testing"
)

func TestExecutables(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, mode int64, body string, typ byte) {
		h := &tar.Header{Name: name, Mode: mode, Size: int64(len(body)), Typeflag: typ}
		if typ == tar.TypeSymlink {
			h.Linkname, h.Size = "/busybox", 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	add("app", 0o755, "\x7fELF...", tar.TypeReg)
	add(".dockerenv", 0o755, "", tar.TypeReg)           // Docker's empty placeholder: not a program
	add("etc/hosts", 0o755, "127.0.0.1 x", tar.TypeReg) // text with x bits: not a program
	add("run.sh", 0o700, "#!/bin/sh\n", tar.TypeReg)
	add("data.bin", 0o644, "\x7fELF", tar.TypeReg) // no x bit
	add("bin/sh", 0o777, "", tar.TypeSymlink)
	tw.Close()
	files, err := tarEntries(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n, sh := executables(files)
	if n != 2 {
		t.Errorf("programs = %d, want 2 (app, run.sh): %+v", n, files)
	}
	if len(sh) != 1 || sh[0] != "/bin/sh" {
		t.Errorf("shells = %v, want [/bin/sh]", sh)
	}
	var r Subject
	surfaceFromEntries(&r, files, "the test tar")
	if *r.Executables.Value != 2 || *r.Shell.Value != 1 || !strings.Contains(r.Shell.Note, "/bin/sh") {
		t.Errorf("surface: %+v %+v", r.Executables, r.Shell)
	}
	if isProgram(fs.ModeDir|0o755, []byte("\x7fELF")) {
		t.Error("a directory is not a program")
	}
}
