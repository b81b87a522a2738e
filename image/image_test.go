package image

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const testProgram = `package main

import "os"

func main() {
	os.Stdout.WriteString("hello\n")
}
`

var (
	linkOnce sync.Once
	linked   []byte
	linkErr  error
)

// linkedELF returns a linux/amd64 executable linked the way unigo build links
// (text at 0x101000, headers in the page below), but without the kernel.
func linkedELF(t *testing.T) []byte {
	t.Helper()
	linkOnce.Do(func() {
		dir, err := os.MkdirTemp("", "unigo-image-test")
		if err != nil {
			linkErr = err
			return
		}
		defer os.RemoveAll(dir)
		os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/prog\n\ngo 1.22\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(testProgram), 0o644)
		cmd := exec.Command("go", "build", "-ldflags", "-T 0x101000", "-o", "prog", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			linkErr = errors.New(string(out))
			return
		}
		linked, linkErr = os.ReadFile(filepath.Join(dir, "prog"))
	})
	if linkErr != nil {
		t.Fatalf("go build: %v", linkErr)
	}
	return bytes.Clone(linked)
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFromELF(t *testing.T) {
	orig := linkedELF(t)
	before, err := elf.NewFile(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	img, err := FromELF(bytes.Clone(orig))
	if err != nil {
		t.Fatalf("FromELF: %v", err)
	}
	after, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("the image is no longer a valid ELF: %v", err)
	}

	if got, want := len(after.Progs), len(before.Progs)+2; got != want {
		t.Fatalf("program headers: got %d, want %d", got, want)
	}
	if len(after.Sections) != len(before.Sections) {
		t.Fatalf("sections: got %d, want %d", len(after.Sections), len(before.Sections))
	}
	for i, s := range after.Sections {
		if s.SectionHeader != before.Sections[i].SectionHeader {
			t.Errorf("section %d changed: %+v -> %+v", i, before.Sections[i].SectionHeader, s.SectionHeader)
		}
	}

	var notes []*elf.Prog
	for i, p := range after.Progs {
		switch p.Type {
		case elf.PT_NOTE:
			if i >= len(before.Progs) {
				notes = append(notes, p)
			}
		case elf.PT_PHDR:
			if want := uint64(len(after.Progs)) * phdrSize; p.Filesz != want || p.Memsz != want {
				t.Errorf("PT_PHDR sizes = %#x/%#x, want %#x", p.Filesz, p.Memsz, want)
			}
		case elf.PT_LOAD:
			old := before.Progs[i]
			if p.Flags&elf.PF_W == 0 {
				if p.ProgHeader != old.ProgHeader {
					t.Errorf("read-only PT_LOAD changed: %+v", p.ProgHeader)
				}
				continue
			}
			want := alignUp(p.Vaddr+p.Filesz, pageSize) - p.Vaddr
			if p.Memsz != want || old.Memsz <= want {
				t.Errorf("writable PT_LOAD memsz = %#x (was %#x), want %#x", p.Memsz, old.Memsz, want)
			}
		}
	}
	if len(notes) != 2 {
		t.Fatalf("got %d new PT_NOTE headers, want 2", len(notes))
	}
	for _, p := range notes {
		if p.Off+p.Filesz > headerLimit || p.Align != 4 || p.Vaddr != 0x100000+p.Off || p.Paddr != p.Vaddr {
			t.Errorf("bad note header %+v", p.ProgHeader)
		}
	}
	xen := parseNotes(img[notes[0].Off:notes[0].Off+notes[0].Filesz], 4)
	if len(xen) != 1 || xen[0].name != "Xen" || xen[0].typ != 18 || le.Uint64(xen[0].desc) != before.Entry {
		t.Errorf("Xen note = %+v, want entry %#x", xen, before.Entry)
	}
	ver := parseNotes(img[notes[1].Off:notes[1].Off+notes[1].Filesz], 4)
	if len(ver) != 1 || ver[0].name != "unigo" || ver[0].typ != 1 || string(trimNUL(ver[0].desc)) != FormatVersion {
		t.Errorf("unigo note = %+v", ver)
	}

	// Nothing outside the header page changed.
	if !bytes.Equal(img[pageSize:], orig[pageSize:]) {
		t.Error("bytes after the first page changed")
	}

	info, err := check("prog.img", img)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if info.Entry != before.Entry || info.Version != FormatVersion {
		t.Errorf("info = %+v", info)
	}

	again, err := FromELF(bytes.Clone(img))
	if err != nil || !bytes.Equal(again, img) {
		t.Errorf("FromELF on an image: err=%v, changed=%v", err, !bytes.Equal(again, img))
	}
}

func TestFromELFRefusesUsedBytes(t *testing.T) {
	data := linkedELF(t)
	for i := 0x8a0; i < 0xe00; i++ { // where the notes would go
		data[i] = 0xcc
	}
	if _, err := FromELF(data); err == nil || !strings.Contains(err.Error(), "no room for the boot notes") {
		t.Errorf("err = %v, want no room", err)
	}
}

func TestOpenErrors(t *testing.T) {
	img, err := FromELF(linkedELF(t))
	if err != nil {
		t.Fatal(err)
	}
	arm := bytes.Clone(img)
	le.PutUint16(arm[18:], uint16(elf.EM_AARCH64))
	dyn := bytes.Clone(img)
	le.PutUint16(dyn[16:], uint16(elf.ET_DYN))

	tests := []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"text", []byte("#!/bin/sh\necho hi\n"), "is not a unigo image (not an ELF file): build one with 'unigo build'", ErrNotImage},
		{"plain", linkedELF(t), "is not a unigo image (a Linux executable without the unigo boot notes)", ErrNotImage},
		{"arm", arm, "(ELF for EM_AARCH64, not x86-64)", ErrNotImage},
		{"dyn", dyn, "(ELF ET_DYN, not an executable)", ErrNotImage},
		{"short", img[:len(img)/2], "is truncated: " + strconv.Itoa(len(img)/2) + " bytes, expected at least " + strconv.Itoa(len(img)), ErrTruncated},
		{"tiny", img[:20], "is truncated: 20 bytes, expected at least 64", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, tt.name, tt.data)
			_, err := Open(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), p+" is") || !errors.Is(err, tt.is) {
				t.Errorf("Open: %v\nwant it to contain %q", err, tt.want)
			}
		})
	}

	if _, err := Open(filepath.Join(t.TempDir(), "nope.img")); err == nil || !strings.Contains(err.Error(), "does not exist: build one with 'unigo build'") {
		t.Errorf("missing file: %v", err)
	}
}

func TestOpenAndWriteFile(t *testing.T) {
	img, err := FromELF(linkedELF(t))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "prog.img")
	if err := WriteFile(p, img); err != nil {
		t.Fatal(err)
	}
	info, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(img)) || info.Path != p {
		t.Errorf("info = %+v", info)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("WriteFile left %d files behind", len(entries)-1)
	}
}

func TestSymbolizer(t *testing.T) {
	img, err := FromELF(linkedELF(t))
	if err != nil {
		t.Fatal(err)
	}
	p := writeTemp(t, "prog.img", img)
	f, err := elf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var mainPC uint64
	for _, s := range syms {
		if s.Name == "main.main" {
			mainPC = s.Value
		}
	}
	if mainPC == 0 {
		t.Fatal("no main.main symbol")
	}
	s, err := NewSymbolizer(p)
	if err != nil {
		t.Fatal(err)
	}
	where, ok := s.Symbolize(mainPC + 4)
	if !ok || !strings.HasPrefix(where, "main.main ") || !strings.Contains(where, "main.go:") {
		t.Errorf("Symbolize(main.main+4) = %q, %v", where, ok)
	}
	if where, ok := s.Symbolize(0x10); ok {
		t.Errorf("Symbolize(0x10) = %q, want not found", where)
	}
}
