package image

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
)

// Info describes a unigo image that Open validated.
type Info struct {
	Path    string
	Size    int64  // file size in bytes
	Entry   uint64 // the PVH 32-bit entry point (from the Xen note)
	Version string // the format version from the "unigo" note
	// RootOnDisk: the image keeps its root file system in its file
	// (PTRootDisk), and the VMM must give it the file as a disk.
	RootOnDisk bool
}

// Open checks that path is a unigo image this unigo can boot: an ELF64 x86-64
// ET_EXEC, complete, with both notes of docs/boot-contract.md. Its errors are
// meant to be shown as they are; they wrap ErrNotImage or ErrTruncated.
// It reads the headers only (the first page, for an image): an image that
// keeps its root in its file may be hundreds of MiB, and Open runs before
// every boot.
func Open(path string) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("image %s does not exist: build one with 'unigo build'", path)
		}
		return nil, fmt.Errorf("cannot read image: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read image: %w", err)
	}
	head, err := readHead(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("cannot read image: %w", err)
	}
	return checkFile(path, head, f, st.Size())
}

// readHead reads the start of an ELF file of size bytes up to the end of
// its header tables and notes, which check looks at: the first page of
// an image, more for an ELF file that keeps its tables further on.
func readHead(r io.ReaderAt, size int64) ([]byte, error) {
	need := int64(pageSize)
	for {
		head := make([]byte, min(need, size))
		if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
			return nil, err
		}
		if int64(len(head)) == size || len(head) < ehdrSize || !isELF(head) {
			return head, nil
		}
		h := parseHeader(head)
		want := max(h.phoff+uint64(h.phnum)*phdrSize, h.shoff+uint64(h.shnum)*shdrSize)
		if want <= uint64(len(head)) {
			for _, p := range h.progs(head) {
				if p.typ == elf.PT_NOTE {
					want = max(want, p.off+p.filesz)
				}
			}
		}
		if want <= uint64(len(head)) || int64(want) <= need {
			return head, nil
		}
		need = int64(want)
	}
}

// check validates an image held whole in data.
func check(path string, data []byte) (*Info, error) {
	return checkFile(path, data, bytes.NewReader(data), int64(len(data)))
}

// checkFile validates the image of size bytes that r reads; head is its
// start, holding at least its header tables and notes (readHead).
func checkFile(path string, head []byte, r io.ReaderAt, size int64) (*Info, error) {
	data := head
	notImage := func(why string) error {
		return fmt.Errorf("%s is %w (%s): build one with 'unigo build'", path, ErrNotImage, why)
	}
	if !isELF(data) {
		return nil, notImage("not an ELF file")
	}
	if len(data) < ehdrSize {
		return nil, truncated(path, size, ehdrSize)
	}
	h := parseHeader(data)
	if k := h.kindError(); k != "" {
		return nil, notImage(k)
	}
	if min, ok := h.minSize(data); !ok || min > uint64(size) {
		return nil, truncated(path, size, min)
	}
	progs := h.progs(data)
	// debug/elf checks the rest of the structure (section table, string
	// table) so that later readers (the Symbolizer) do not trip on it.
	if _, err := elf.NewFile(io.NewSectionReader(r, 0, size)); err != nil {
		return nil, notImage(fmt.Sprintf("malformed ELF: %v", err))
	}

	info := &Info{Path: path, Size: size}
	for _, p := range progs {
		info.RootOnDisk = info.RootOnDisk || p.typ == PTRootDisk
	}
	var haveEntry, haveVersion bool
	for _, n := range allNotes(data, progs) {
		switch {
		case n.name == xenNoteName && n.typ == xenElfnotePhys32 && len(n.desc) >= 4:
			if len(n.desc) >= 8 {
				info.Entry = le.Uint64(n.desc)
			} else {
				info.Entry = uint64(le.Uint32(n.desc))
			}
			haveEntry = true
		case n.name == unigoNoteName && n.typ == unigoNoteVersion:
			info.Version = string(trimNUL(n.desc))
			haveVersion = true
		}
	}
	switch {
	case !haveVersion && !haveEntry:
		return nil, notImage("a Linux executable without the unigo boot notes")
	case !haveVersion:
		return nil, notImage("it has a PVH entry note but no unigo note")
	case !haveEntry:
		return nil, notImage("no PVH entry note")
	case info.Version != FormatVersion:
		return nil, fmt.Errorf("%s is an image of format %q, this unigo boots %q: rebuild it with this unigo's 'unigo build' (%w)",
			path, info.Version, FormatVersion, ErrNotImage)
	}
	return info, nil
}

func truncated(path string, n int64, want uint64) error {
	return fmt.Errorf("%s is truncated: %d bytes, expected at least %d (%w)", path, n, want, ErrTruncated)
}
