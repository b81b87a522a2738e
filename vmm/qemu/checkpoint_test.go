package qemu

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A checkpoint resumes only on the QEMU and accelerator that wrote it, and
// QEMU reads it from past the header.
func TestOpenCheckpoint(t *testing.T) {
	bin := fakeHost(t, "boot-1", "QEMU emulator version 7.2.22")
	dir := t.TempDir()
	write := func(name string, header []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, append(header, "QEVM stream"...), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", checkpointHeader("QEMU emulator version 7.2.22", "tcg"))
	f, err := openCheckpoint(good, bin, Accel{Name: "tcg"})
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(f)
	f.Close()
	if string(rest) != "QEVM stream" {
		t.Errorf("QEMU would read %q, want the stream after the header", rest)
	}
	for _, tc := range []struct {
		name, path string
		accel      string
		want       string
	}{
		{"another QEMU", write("old", checkpointHeader("QEMU emulator version 7.1.0", "tcg")), "tcg", "written by QEMU emulator version 7.1.0"},
		{"another accelerator", good, "kvm", "written under tcg, and this VM would run under kvm: give --accel tcg"},
		{"not a checkpoint", write("text", []byte("hello")), "tcg", "is not a checkpoint"},
		{"another format", write("other", make([]byte, checkpointHeaderSize)), "tcg", "is not a checkpoint of this unigo"},
		{"missing", filepath.Join(dir, "none"), "tcg", "cannot read the checkpoint"},
	} {
		if f, err := openCheckpoint(tc.path, bin, Accel{Name: tc.accel}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
			if f != nil {
				f.Close()
			}
		}
	}
}
