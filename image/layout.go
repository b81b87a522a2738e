package image

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// Sizes and limits of the ELF64 layout that the post-processing depends on.
const (
	ehdrSize  = 64 // sizeof(Elf64_Ehdr)
	phdrSize  = 56 // sizeof(Elf64_Phdr)
	shdrSize  = 64 // sizeof(Elf64_Shdr)
	pageSize  = 4096
	noteAlign = 4

	// headerLimit is the first file offset the host may not write to: the
	// kernel uses 0x100E00..0x100F00 of the loaded header page as its boot
	// stack (docs/boot-contract.md), so notes and tables must end below it.
	headerLimit = 0xE00
)

// Note names and types, from docs/boot-contract.md.
const (
	xenNoteName      = "Xen"
	xenElfnotePhys32 = 18 // XEN_ELFNOTE_PHYS32_ENTRY
	unigoNoteName    = "unigo"
	unigoNoteVersion = 1
)

var le = binary.LittleEndian

// header is the part of the ELF64 file header the post-processing and the
// validation read, decoded by hand so that a truncated or odd file gives a
// precise message instead of a debug/elf parse error.
type header struct {
	class     elf.Class
	data      elf.Data
	typ       elf.Type
	machine   elf.Machine
	entry     uint64
	phoff     uint64
	shoff     uint64
	phentsize uint16
	phnum     uint16
	shentsize uint16
	shnum     uint16
}

// progHeader is one decoded Elf64_Phdr.
type progHeader struct {
	typ    elf.ProgType
	flags  elf.ProgFlag
	off    uint64
	vaddr  uint64
	paddr  uint64
	filesz uint64
	memsz  uint64
	align  uint64
}

func isELF(b []byte) bool {
	return len(b) >= 4 && string(b[:4]) == elf.ELFMAG
}

// parseHeader decodes the file header; b must hold at least ehdrSize bytes.
func parseHeader(b []byte) header {
	return header{
		class:     elf.Class(b[elf.EI_CLASS]),
		data:      elf.Data(b[elf.EI_DATA]),
		typ:       elf.Type(le.Uint16(b[16:])),
		machine:   elf.Machine(le.Uint16(b[18:])),
		entry:     le.Uint64(b[24:]),
		phoff:     le.Uint64(b[32:]),
		shoff:     le.Uint64(b[40:]),
		phentsize: le.Uint16(b[54:]),
		phnum:     le.Uint16(b[56:]),
		shentsize: le.Uint16(b[58:]),
		shnum:     le.Uint16(b[60:]),
	}
}

// kindError says what the header is instead of a linux/amd64 executable, or
// "" when it is one.
func (h header) kindError() string {
	switch {
	case h.class != elf.ELFCLASS64:
		return fmt.Sprintf("%v ELF, not ELF64", h.class)
	case h.data != elf.ELFDATA2LSB:
		return "big-endian ELF"
	case h.machine != elf.EM_X86_64:
		return fmt.Sprintf("ELF for %v, not x86-64", h.machine)
	case h.typ != elf.ET_EXEC:
		return fmt.Sprintf("ELF %v, not an executable", h.typ)
	case h.phentsize != phdrSize:
		return fmt.Sprintf("program header size %d, not %d", h.phentsize, phdrSize)
	case h.shnum > 0 && h.shentsize != shdrSize:
		return fmt.Sprintf("section header size %d, not %d", h.shentsize, shdrSize)
	}
	return ""
}

func parseProg(b []byte) progHeader {
	return progHeader{
		typ:    elf.ProgType(le.Uint32(b[0:])),
		flags:  elf.ProgFlag(le.Uint32(b[4:])),
		off:    le.Uint64(b[8:]),
		vaddr:  le.Uint64(b[16:]),
		paddr:  le.Uint64(b[24:]),
		filesz: le.Uint64(b[32:]),
		memsz:  le.Uint64(b[40:]),
		align:  le.Uint64(b[48:]),
	}
}

func (p progHeader) put(b []byte) {
	le.PutUint32(b[0:], uint32(p.typ))
	le.PutUint32(b[4:], uint32(p.flags))
	le.PutUint64(b[8:], p.off)
	le.PutUint64(b[16:], p.vaddr)
	le.PutUint64(b[24:], p.paddr)
	le.PutUint64(b[32:], p.filesz)
	le.PutUint64(b[40:], p.memsz)
	le.PutUint64(b[48:], p.align)
}

// progs decodes the program header table; the caller has checked that it is
// inside b.
func (h header) progs(b []byte) []progHeader {
	ps := make([]progHeader, h.phnum)
	for i := range ps {
		ps[i] = parseProg(b[h.phoff+uint64(i)*phdrSize:])
	}
	return ps
}

// minSize is the smallest file size that holds everything the headers point
// at: both header tables, every segment's and every section's file bytes. ok is false if the
// program header table itself is not inside b, so the segments are unknown.
func (h header) minSize(b []byte) (size uint64, ok bool) {
	size = ehdrSize
	phEnd := h.phoff + uint64(h.phnum)*phdrSize
	size = max(size, phEnd)
	if h.shnum > 0 {
		size = max(size, h.shoff+uint64(h.shnum)*shdrSize)
	}
	if phEnd > uint64(len(b)) {
		return size, false
	}
	for _, p := range h.progs(b) {
		if p.filesz > 0 {
			size = max(size, p.off+p.filesz)
		}
	}
	// Sections that are not loaded (symbols, DWARF) count too: a file cut
	// inside them is as broken for the Symbolizer as a missing segment.
	if h.shnum > 0 && h.shoff+uint64(h.shnum)*shdrSize <= uint64(len(b)) {
		for i := uint64(0); i < uint64(h.shnum); i++ {
			s := b[h.shoff+i*shdrSize:]
			typ, off, sz := elf.SectionType(le.Uint32(s[4:])), le.Uint64(s[24:]), le.Uint64(s[32:])
			if typ != elf.SHT_NOBITS && typ != elf.SHT_NULL {
				size = max(size, off+sz)
			}
		}
	}
	return size, true
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }
