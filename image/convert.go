package image

import (
	"debug/elf"
	"fmt"
)

// FromELF turns the executable that `go build` linked (with the unigo kernel
// and its PVH entry as e_entry) into a unigo image, as docs/boot-contract.md
// specifies:
//
//  1. two PT_NOTE program headers are added, for a Xen PHYS32_ENTRY note
//     (desc = e_entry) and a "unigo" note (desc = FormatVersion), with the
//     note bytes placed in unused bytes of the first file page, below 0xE00;
//  2. the writable PT_LOAD's p_memsz is cut to its file end rounded up to a
//     page, so the loader does not zero the BSS (the kernel maps it lazily:
//     Go ≥1.24 binaries carry tens of MiB of BSS).
//
// Go's linker puts the section header table right after the program header
// table, so growing the latter means moving the former a little further into
// the zero part of the page (only tools read section headers; nothing loads
// them). Every byte written is checked to have been free.
//
// data is modified in place and returned. A file that already is a unigo image
// of this format is returned unchanged.
func FromELF(data []byte) ([]byte, error) { return convert(data, nil) }

// FromELFWithRootfs is FromELF plus the image's read-only root file system:
// rootfs (a newc cpio archive) is appended to the file at a page boundary
// and described by a third added program header. A small archive is loaded
// with the image: a PT_LOAD marked PFRootfs whose physical address follows
// the image's last loaded byte; the kernel unpacks it at boot and gives the
// pages back. An archive of RootDiskMin bytes or more stays in the file: a
// PTRootDisk header, and the VMM gives the guest the image file itself as a
// read-only disk, from which the kernel reads the files' data when they are
// used (docs/boot-contract.md).
func FromELFWithRootfs(data, rootfs []byte) ([]byte, error) { return convert(data, rootfs) }

func convert(data, rootfs []byte) ([]byte, error) {
	if len(data) < ehdrSize || !isELF(data) {
		return nil, fmt.Errorf("%w: not an ELF file", ErrNotImage)
	}
	h := parseHeader(data)
	if k := h.kindError(); k != "" {
		return nil, fmt.Errorf("%w: %s; unigo needs a GOOS=linux GOARCH=amd64 executable", ErrNotImage, k)
	}
	if min, ok := h.minSize(data); !ok || min > uint64(len(data)) {
		return nil, fmt.Errorf("%w: %d bytes, expected at least %d", ErrTruncated, len(data), min)
	}
	progs := h.progs(data)
	if v, ok := findVersion(data, progs); ok {
		if v == FormatVersion {
			return data, nil
		}
		return nil, fmt.Errorf("%w: already an image of format %q", ErrNotImage, v)
	}

	// The page with the ELF headers must be loaded: its address is where the
	// notes and the program header table end up in guest memory.
	var base, headerLoadSize uint64
	found := false
	for _, p := range progs {
		if p.typ == elf.PT_LOAD && p.off == 0 {
			base, headerLoadSize, found = p.vaddr, p.filesz, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: no PT_LOAD segment holds the ELF headers (was it linked with -T 0x101000?)", ErrNotImage)
	}
	// The image is loaded with its headers at LoadAddress; a kernel linked
	// higher (ExecLinkOffset) is loaded there all the same.
	offset := base - LoadAddress
	if base < LoadAddress || offset != 0 && offset != ExecLinkOffset {
		return nil, fmt.Errorf("%w: the ELF headers are linked at %#x, not at %#x or %#x (was it linked with -T 0x101000?)", ErrNotImage, base, LoadAddress, LoadAddress+ExecLinkOffset)
	}

	notes := [][]byte{xenEntryNote(h.entry - offset).encode(), versionNote().encode()}
	added := len(notes) // program headers added
	if rootfs != nil {
		added++
	}

	// Plan: program header table grows by two entries in place; if the
	// section header table is in the way it moves right after it; the notes
	// follow whichever ends last.
	oldPhEnd := h.phoff + uint64(h.phnum)*phdrSize
	newPhEnd := oldPhEnd + uint64(added)*phdrSize
	shStart, shEnd := h.shoff, h.shoff+uint64(h.shnum)*shdrSize
	moveSh := h.shnum > 0 && shStart < newPhEnd && shEnd > oldPhEnd
	newShoff := h.shoff
	end := newPhEnd
	if moveSh {
		newShoff = alignUp(newPhEnd, 8)
		end = newShoff + (shEnd - shStart)
	} else if h.shnum > 0 && shStart >= newPhEnd && shStart < pageSize {
		end = max(end, shEnd) // notes go after a section header table in the page
	}
	noteOff := alignUp(end, noteAlign)
	notesEnd := noteOff
	for _, n := range notes {
		notesEnd += uint64(len(n))
	}
	if notesEnd > headerLimit {
		return nil, fmt.Errorf("no room for the boot notes: the ELF headers end at offset %#x, past the %#x limit of the boot contract", notesEnd, headerLimit)
	}
	if max(notesEnd, end) > min(uint64(len(data)), headerLoadSize) {
		return nil, fmt.Errorf("no room for the boot notes: the loaded header page ends at offset %#x, before %#x", min(uint64(len(data)), headerLoadSize), max(notesEnd, end))
	}

	// Every byte about to be written must be zero now, apart from the section
	// header table's own bytes when it moves.
	written := [][2]uint64{{oldPhEnd, newPhEnd}, {noteOff, notesEnd}}
	if moveSh {
		written = append(written, [2]uint64{newShoff, end})
	}
	for _, r := range written {
		for off := r[0]; off < r[1]; off++ {
			if moveSh && off >= shStart && off < shEnd {
				continue
			}
			if data[off] != 0 {
				return nil, fmt.Errorf("no room for the boot notes: byte %#x of the ELF header page is in use", off)
			}
		}
		if err := checkSections(data, h, r[0], r[1]); err != nil {
			return nil, err
		}
	}

	// Apply.
	if moveSh {
		copy(data[newShoff:], data[shStart:shEnd]) // overlapping copy is a memmove
		clear(data[oldPhEnd:newShoff])
		le.PutUint64(data[40:], newShoff)
	}
	off := noteOff
	for i, n := range notes {
		copy(data[off:], n)
		progHeader{
			typ: elf.PT_NOTE, flags: elf.PF_R,
			off: off, vaddr: base + off, paddr: base + off - offset,
			filesz: uint64(len(n)), memsz: uint64(len(n)),
			align: noteAlign,
		}.put(data[oldPhEnd+uint64(i)*phdrSize:])
		off += uint64(len(n))
	}
	le.PutUint16(data[56:], h.phnum+uint16(added))

	var loadEnd uint64 // physical end of what the loader writes
	for i, p := range progs {
		switch {
		case p.typ == elf.PT_PHDR:
			p.filesz += uint64(added) * phdrSize
			p.memsz += uint64(added) * phdrSize
		case p.typ == elf.PT_LOAD && p.flags&elf.PF_W != 0:
			fileEnd := alignUp(p.vaddr+p.filesz, pageSize) - p.vaddr
			p.memsz = min(p.memsz, fileEnd)
		}
		if p.typ == elf.PT_LOAD || p.typ == elf.PT_PHDR || p.typ == elf.PT_NOTE {
			p.paddr = p.vaddr - offset
		}
		if p.typ == elf.PT_LOAD {
			loadEnd = max(loadEnd, alignUp(p.paddr+p.memsz, pageSize))
		}
		p.put(data[h.phoff+uint64(i)*phdrSize:])
	}
	if rootfs == nil {
		return data, nil
	}
	rootOff := alignUp(uint64(len(data)), pageSize)
	root := progHeader{
		typ: elf.PT_LOAD, flags: elf.PF_R | PFRootfs,
		off: rootOff, vaddr: loadEnd, paddr: loadEnd,
		filesz: uint64(len(rootfs)), memsz: alignUp(uint64(len(rootfs)), pageSize),
		align: pageSize,
	}
	size := rootOff + uint64(len(rootfs))
	if len(rootfs) >= RootDiskMin {
		// Not loaded: the file is the disk, whole sectors of it.
		root = progHeader{typ: PTRootDisk, flags: elf.PF_R, off: rootOff, filesz: uint64(len(rootfs)), align: pageSize}
		size = alignUp(size, pageSize)
	}
	root.put(data[oldPhEnd+uint64(len(notes))*phdrSize:])
	out := make([]byte, size)
	copy(out, data)
	copy(out[rootOff:], rootfs)
	return out, nil
}

// LoadAddress is the physical address of an image's ELF headers: its text
// follows at 0x101000, where a PVH loader puts it.
const LoadAddress = 0x100000

// ExecLinkOffset is how much higher than it is loaded the kernel of
// unmodified executables is linked (text at 0x40101000), so that programs
// linked at 0x400000 find their addresses free (docs/exec-design.md).
const ExecLinkOffset = 1 << 30

// PFRootfs marks the PT_LOAD segment that holds the root file system (a bit
// of PF_MASKOS, which loaders ignore).
const PFRootfs elf.ProgFlag = 0x00100000

// PTRootDisk is the type of the program header of a root file system that
// stays on the disk (an OS-specific type, which loaders ignore):
// p_offset and p_filesz say where the archive is in the image file.
const PTRootDisk elf.ProgType = 0x60756e67

// RootDiskMin is the size from which an image's root archive stays on the
// disk instead of being loaded into RAM. Loaded, the archive takes RAM until
// it is unpacked and its files keep all of it: for a 5 MiB program whose
// start touches a few hundred KiB, most of the memory the VM needs. On the
// disk, only the pages used are read, at the cost of a disk request per
// 64 KiB run; a small root (a C program, a few configuration files) is
// cheaper loaded with the image.
const RootDiskMin = 1 << 20

// checkSections makes sure no section with file contents (other than the
// section header table itself, which is not a section) overlaps [from, to).
func checkSections(data []byte, h header, from, to uint64) error {
	for i := uint64(0); i < uint64(h.shnum); i++ {
		s := data[h.shoff+i*shdrSize:]
		typ := elf.SectionType(le.Uint32(s[4:]))
		off, size := le.Uint64(s[24:]), le.Uint64(s[32:])
		if typ == elf.SHT_NOBITS || typ == elf.SHT_NULL || size == 0 {
			continue
		}
		if off < to && off+size > from {
			return fmt.Errorf("no room for the boot notes: section %d occupies offsets %#x-%#x of the ELF header page", i, off, off+size)
		}
	}
	return nil
}

// findVersion returns the descriptor of the "unigo" note, if there is one.
func findVersion(data []byte, progs []progHeader) (string, bool) {
	for _, n := range allNotes(data, progs) {
		if n.name == unigoNoteName && n.typ == unigoNoteVersion {
			return string(trimNUL(n.desc)), true
		}
	}
	return "", false
}

// allNotes decodes every note of every PT_NOTE segment inside data.
func allNotes(data []byte, progs []progHeader) []note {
	var ns []note
	for _, p := range progs {
		if p.typ != elf.PT_NOTE || p.off+p.filesz > uint64(len(data)) {
			continue
		}
		ns = append(ns, parseNotes(data[p.off:p.off+p.filesz], p.align)...)
	}
	return ns
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}
