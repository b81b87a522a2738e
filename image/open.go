package image

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
)

// Info describes a unigo image that Open validated.
type Info struct {
	Path    string
	Size    int64  // file size in bytes
	Entry   uint64 // the PVH 32-bit entry point (from the Xen note)
	Version string // the format version from the "unigo" note
}

// Open checks that path is a unigo image this unigo can boot: an ELF64 x86-64
// ET_EXEC, complete, with both notes of docs/boot-contract.md. Its errors are
// meant to be shown as they are; they wrap ErrNotImage or ErrTruncated.
func Open(path string) (*Info, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("image %s does not exist: build one with 'unigo build'", path)
		}
		return nil, fmt.Errorf("cannot read image: %w", err)
	}
	return check(path, data)
}

func check(path string, data []byte) (*Info, error) {
	notImage := func(why string) error {
		return fmt.Errorf("%s is %w (%s): build one with 'unigo build'", path, ErrNotImage, why)
	}
	if !isELF(data) {
		return nil, notImage("not an ELF file")
	}
	if len(data) < ehdrSize {
		return nil, truncated(path, len(data), ehdrSize)
	}
	h := parseHeader(data)
	if k := h.kindError(); k != "" {
		return nil, notImage(k)
	}
	if min, ok := h.minSize(data); !ok || min > uint64(len(data)) {
		return nil, truncated(path, len(data), min)
	}
	progs := h.progs(data)
	// debug/elf checks the rest of the structure (section table, string
	// table) so that later readers (the Symbolizer) do not trip on it.
	if _, err := elf.NewFile(bytes.NewReader(data)); err != nil {
		return nil, notImage(fmt.Sprintf("malformed ELF: %v", err))
	}

	info := &Info{Path: path, Size: int64(len(data))}
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

func truncated(path string, n int, want uint64) error {
	return fmt.Errorf("%s is truncated: %d bytes, expected at least %d (%w)", path, n, want, ErrTruncated)
}
