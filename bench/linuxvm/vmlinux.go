package linuxvm

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/pierrec/lz4/v4"
)

// ErrUnsupportedCompression is returned by ExtractVmlinux when the bzImage's
// payload uses a compressor this package cannot undo. Callers fall back to
// booting the bzImage itself.
var ErrUnsupportedCompression = errors.New("unsupported kernel compression")

// ExtractVmlinux returns the uncompressed ELF kernel (vmlinux) held inside
// an x86 bzImage, and the name of the compressor the bzImage used.
//
// The bzImage's setup header (Linux boot protocol ≥ 2.08) gives the offset
// and length of the compressed payload inside the protected-mode part. The
// payload decompresses to vmlinux.bin (the stripped ELF) followed by the
// relocation table the decompressor applies when it moves the kernel; the
// returned ELF is cut at the end of its own program and section data, so it
// is exactly what a PVH loader needs and no more.
func ExtractVmlinux(bzImage []byte) (vmlinux []byte, compression string, err error) {
	if len(bzImage) < 0x250 || string(bzImage[0x202:0x206]) != "HdrS" {
		return nil, "", errors.New("not a bzImage: no HdrS setup header at 0x202")
	}
	version := binary.LittleEndian.Uint16(bzImage[0x206:])
	if version < 0x208 {
		return nil, "", fmt.Errorf("bzImage boot protocol %#x has no payload fields (need ≥ 0x208)", version)
	}
	setupSects := int(bzImage[0x1f1])
	if setupSects == 0 {
		setupSects = 4
	}
	pmStart := (setupSects + 1) * 512
	off := int(binary.LittleEndian.Uint32(bzImage[0x248:]))
	n := int(binary.LittleEndian.Uint32(bzImage[0x24c:]))
	if pmStart+off+n > len(bzImage) || n < 8 {
		return nil, "", fmt.Errorf("bzImage payload (offset %d, length %d) lies outside the %d-byte file", pmStart+off, n, len(bzImage))
	}
	payload := bzImage[pmStart+off : pmStart+off+n]
	// The build appends the uncompressed size as a 32-bit little-endian word.
	want := int(binary.LittleEndian.Uint32(payload[n-4:]))

	var r io.Reader
	switch {
	case bytes.HasPrefix(payload, []byte{0x02, 0x21, 0x4c, 0x18}):
		compression = "lz4"
		r = lz4.NewReader(bytes.NewReader(payload))
	case bytes.HasPrefix(payload, []byte{0x1f, 0x8b}):
		compression = "gzip"
		zr, err := gzip.NewReader(bytes.NewReader(payload))
		if err != nil {
			return nil, compression, err
		}
		zr.Multistream(false) // the size trailer follows the gzip member
		r = zr
	case bytes.HasPrefix(payload, []byte("BZh")):
		compression = "bzip2"
		r = bzip2.NewReader(bytes.NewReader(payload))
	case bytes.HasPrefix(payload, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return nil, "xz", fmt.Errorf("%w: xz", ErrUnsupportedCompression)
	case bytes.HasPrefix(payload, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, "zstd", fmt.Errorf("%w: zstd", ErrUnsupportedCompression)
	default:
		return nil, "unknown", fmt.Errorf("%w: payload starts with % x", ErrUnsupportedCompression, payload[:4])
	}

	var out bytes.Buffer
	out.Grow(want)
	// Read at most want bytes: some formats (lz4 legacy) would otherwise try
	// to read the size trailer as one more block.
	if _, err := io.Copy(&out, io.LimitReader(r, int64(want))); err != nil {
		return nil, compression, fmt.Errorf("decompressing %s payload: %w", compression, err)
	}
	if out.Len() != want {
		return nil, compression, fmt.Errorf("decompressed %s payload is %d bytes, the bzImage says %d", compression, out.Len(), want)
	}
	img := out.Bytes()
	end, err := elfEnd(img)
	if err != nil {
		return nil, compression, fmt.Errorf("decompressed payload: %w", err)
	}
	return img[:end], compression, nil
}

// elfEnd returns the offset just past the last byte an ELF64 file's program
// segments, section contents or header tables occupy.
func elfEnd(img []byte) (int, error) {
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return 0, fmt.Errorf("not an x86-64 ELF64 kernel (%v, %v)", f.Class, f.Machine)
	}
	hdr := img[:64]
	phoff := binary.LittleEndian.Uint64(hdr[0x20:])
	shoff := binary.LittleEndian.Uint64(hdr[0x28:])
	phentsize, phnum := binary.LittleEndian.Uint16(hdr[0x36:]), binary.LittleEndian.Uint16(hdr[0x38:])
	shentsize, shnum := binary.LittleEndian.Uint16(hdr[0x3a:]), binary.LittleEndian.Uint16(hdr[0x3c:])
	end := max(uint64(64), phoff+uint64(phentsize)*uint64(phnum), shoff+uint64(shentsize)*uint64(shnum))
	for _, p := range f.Progs {
		end = max(end, p.Off+p.Filesz)
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS {
			end = max(end, s.Offset+s.FileSize)
		}
	}
	if end > uint64(len(img)) {
		return 0, fmt.Errorf("ELF is truncated: its data ends at %d, the file at %d", end, len(img))
	}
	return int(end), nil
}

// HasPVHNote reports whether an ELF kernel carries the Xen PVH entry note
// (XEN_ELFNOTE_PHYS32_ENTRY), without which QEMU cannot boot it with -kernel.
func HasPVHNote(img []byte) bool {
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		data := make([]byte, p.Filesz)
		if _, err := p.ReadAt(data, 0); err != nil {
			continue
		}
		for len(data) >= 12 {
			namesz := int(binary.LittleEndian.Uint32(data[0:]))
			descsz := int(binary.LittleEndian.Uint32(data[4:]))
			typ := binary.LittleEndian.Uint32(data[8:])
			nameEnd := 12 + align4(namesz)
			next := nameEnd + align4(descsz)
			if next > len(data) || nameEnd > len(data) {
				break
			}
			name := string(bytes.TrimRight(data[12:12+namesz], "\x00"))
			if name == "Xen" && typ == 18 {
				return true
			}
			data = data[next:]
		}
	}
	return false
}

func align4(n int) int { return (n + 3) &^ 3 }
