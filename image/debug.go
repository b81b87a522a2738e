package image

import (
	"bytes"
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// SplitDebug separates an image file's DWARF (the .debug_* sections, which
// Go writes zlib-compressed, so that gzip cannot shrink them: 3.2 of the
// 7.3 MiB of examples/httpd's image in a registry) from what boots.
//
// kernel is the image without them: it boots the same, and keeps what
// crash reports and tools need, the Go line table (.gopclntab) and the
// ELF symbol table. debug is a separate ELF file as `objcopy
// --only-keep-debug` makes one: the same section headers, the loaded
// sections as SHT_NOBITS with their addresses, the DWARF and the notes
// (the build IDs) with their contents. debug/elf reads its DWARF, and gdb
// takes it as the kernel's symbol file (`symbol-file`).
//
// An image without DWARF is returned as it is, with debug nil.
func SplitDebug(data []byte) (kernel, debug []byte, err error) {
	f, err := readSections(data)
	if err != nil {
		return nil, nil, err
	}
	var removed [][2]uint64
	for i, s := range f.sects {
		if f.isDebug(i) {
			removed = append(removed, [2]uint64{s.off, s.off + s.size})
		}
	}
	if len(removed) == 0 {
		return data, nil, nil
	}
	if kernel, err = f.stripped(removed); err != nil {
		return nil, nil, err
	}
	return kernel, f.debugFile(), nil
}

// HasDebug says whether data, an ELF file, carries DWARF sections.
func HasDebug(data []byte) bool {
	f, err := readSections(data)
	if err != nil {
		return false
	}
	for i := range f.sects {
		if f.isDebug(i) {
			return true
		}
	}
	return false
}

// section is one decoded Elf64_Shdr, with its name.
type section struct {
	name               string
	typ                elf.SectionType
	flags              elf.SectionFlag
	addr, off, size    uint64
	link, info         uint32
	addralign, entsize uint64
}

func (s section) put(b []byte, nameOff uint32) {
	le.PutUint32(b[0:], nameOff)
	le.PutUint32(b[4:], uint32(s.typ))
	le.PutUint64(b[8:], uint64(s.flags))
	le.PutUint64(b[16:], s.addr)
	le.PutUint64(b[24:], s.off)
	le.PutUint64(b[32:], s.size)
	le.PutUint32(b[40:], s.link)
	le.PutUint32(b[44:], s.info)
	le.PutUint64(b[48:], s.addralign)
	le.PutUint64(b[56:], s.entsize)
}

// sections is an ELF file's header, program headers and section table.
type sections struct {
	data     []byte
	h        header
	progs    []progHeader
	sects    []section
	nameOffs []uint32 // each section's sh_name
	shstrndx uint16
}

func readSections(data []byte) (*sections, error) {
	if len(data) < ehdrSize || !isELF(data) {
		return nil, fmt.Errorf("%w: not an ELF file", ErrNotImage)
	}
	h := parseHeader(data)
	if k := h.kindError(); k != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotImage, k)
	}
	if min, ok := h.minSize(data); !ok || min > uint64(len(data)) {
		return nil, fmt.Errorf("%w: %d bytes, expected at least %d", ErrTruncated, len(data), min)
	}
	f := &sections{data: data, h: h, progs: h.progs(data), shstrndx: le.Uint16(data[62:])}
	if h.shnum == 0 {
		return f, nil
	}
	if f.shstrndx >= h.shnum {
		return nil, fmt.Errorf("%w: its section name table is section %d of %d", ErrNotImage, f.shstrndx, h.shnum)
	}
	for i := uint64(0); i < uint64(h.shnum); i++ {
		b := data[h.shoff+i*shdrSize:]
		f.nameOffs = append(f.nameOffs, le.Uint32(b[0:]))
		f.sects = append(f.sects, section{
			typ: elf.SectionType(le.Uint32(b[4:])), flags: elf.SectionFlag(le.Uint64(b[8:])),
			addr: le.Uint64(b[16:]), off: le.Uint64(b[24:]), size: le.Uint64(b[32:]),
			link: le.Uint32(b[40:]), info: le.Uint32(b[44:]), addralign: le.Uint64(b[48:]), entsize: le.Uint64(b[56:]),
		})
	}
	strs := f.sects[f.shstrndx]
	names := data[strs.off : strs.off+strs.size]
	for i, o := range f.nameOffs {
		if uint64(o) < uint64(len(names)) {
			n := names[o:]
			if end := bytes.IndexByte(n, 0); end >= 0 {
				f.sects[i].name = string(n[:end])
			}
		}
	}
	return f, nil
}

// isDebug: a DWARF section with contents, not loaded.
func (f *sections) isDebug(i int) bool {
	s := f.sects[i]
	return (strings.HasPrefix(s.name, ".debug_") || strings.HasPrefix(s.name, ".zdebug_")) &&
		s.typ != elf.SHT_NOBITS && s.flags&elf.SHF_ALLOC == 0 && s.size > 0
}

// stripped is the file without the byte ranges removed (the debug
// sections) and their section headers. Every kept byte moves by a multiple
// of the page size, so that segments and sections keep their alignment;
// the offsets in the program and section headers, the section indices in
// the section headers and the symbol table follow.
func (f *sections) stripped(removed [][2]uint64) ([]byte, error) {
	sort.Slice(removed, func(i, j int) bool { return removed[i][0] < removed[j][0] })
	var merged [][2]uint64
	for _, r := range removed {
		if n := len(merged); n > 0 && r[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	inRemoved := func(from, to uint64) bool {
		for _, r := range merged {
			if from < r[1] && to > r[0] {
				return true
			}
		}
		return false
	}
	// Nothing that stays may live in a removed range.
	if inRemoved(f.h.shoff, f.h.shoff+uint64(f.h.shnum)*shdrSize) || inRemoved(f.h.phoff, f.h.phoff+uint64(f.h.phnum)*phdrSize) {
		return nil, fmt.Errorf("cannot strip the image: its header tables lie among its DWARF sections")
	}
	for _, p := range f.progs {
		if p.filesz > 0 && inRemoved(p.off, p.off+p.filesz) {
			return nil, fmt.Errorf("cannot strip the image: a %v segment holds DWARF", p.typ)
		}
	}
	for i, s := range f.sects {
		if !f.isDebug(i) && s.typ != elf.SHT_NOBITS && s.typ != elf.SHT_NULL && s.size > 0 && inRemoved(s.off, s.off+s.size) {
			return nil, fmt.Errorf("cannot strip the image: section %s lies among its DWARF sections", s.name)
		}
	}

	// The kept ranges, each copied to the first offset past the previous one
	// that equals its old offset modulo the page size.
	type moved struct{ from, to, at uint64 }
	var kept []moved
	var out []byte
	start := uint64(0)
	for _, r := range append(merged, [2]uint64{uint64(len(f.data)), uint64(len(f.data))}) {
		if r[0] > start || r[0] == uint64(len(f.data)) {
			at := uint64(len(out))
			at += (start - at) % pageSize // at ≡ start (mod pageSize), at ≥ len(out)
			out = append(out, make([]byte, at-uint64(len(out)))...)
			out = append(out, f.data[start:r[0]]...)
			kept = append(kept, moved{start, r[0], at})
		}
		start = r[1]
	}
	// newOff maps an offset; one inside a removed range goes where the range was.
	newOff := func(off uint64) uint64 {
		i := sort.Search(len(kept), func(i int) bool { return kept[i].from > off }) - 1
		if i < 0 {
			return off
		}
		k := kept[i]
		return k.at + min(off, k.to) - k.from
	}

	// Section indices: the removed sections' go, the others close up.
	index := make([]uint32, len(f.sects))
	n := uint32(0)
	for i := range f.sects {
		if f.isDebug(i) {
			index[i] = 0
			continue
		}
		index[i] = n
		n++
	}
	mapIndex := func(i uint32) uint32 {
		if i > 0 && i < uint32(len(f.sects)) {
			return index[i]
		}
		return i
	}

	shoff := newOff(f.h.shoff)
	clear(out[shoff : shoff+uint64(f.h.shnum)*shdrSize])
	j := uint64(0)
	for i, s := range f.sects {
		if f.isDebug(i) {
			continue
		}
		s.off = newOff(s.off)
		s.link = mapIndex(s.link)
		if s.flags&elf.SHF_INFO_LINK != 0 {
			s.info = mapIndex(s.info)
		}
		s.put(out[shoff+j*shdrSize:], f.nameOffs[i])
		j++
		if s.typ == elf.SHT_SYMTAB && s.entsize == 24 && s.off+s.size <= uint64(len(out)) {
			syms := out[s.off : s.off+s.size]
			for k := 0; k+24 <= len(syms); k += 24 {
				if shndx := le.Uint16(syms[k+6:]); shndx < uint16(elf.SHN_LORESERVE) {
					le.PutUint16(syms[k+6:], uint16(mapIndex(uint32(shndx))))
				}
			}
		}
	}
	le.PutUint64(out[40:], shoff)
	le.PutUint16(out[60:], uint16(n))
	le.PutUint16(out[62:], uint16(mapIndex(uint32(f.shstrndx))))
	for i, p := range f.progs {
		p.off = newOff(p.off)
		p.put(out[f.h.phoff+uint64(i)*phdrSize:])
	}
	return out, nil
}

// debugFile is the separate debug file: the ELF header without program
// headers, every section header, and the contents of the DWARF sections,
// the notes and the section name table only.
func (f *sections) debugFile() []byte {
	out := make([]byte, ehdrSize)
	copy(out, f.data[:ehdrSize])
	sects := make([]section, len(f.sects))
	for i, s := range f.sects {
		switch {
		case f.isDebug(i), i == int(f.shstrndx), s.typ == elf.SHT_NOTE:
			if s.addralign > 1 {
				out = append(out, make([]byte, alignUp(uint64(len(out)), s.addralign)-uint64(len(out)))...)
			}
			at := uint64(len(out))
			out = append(out, f.data[s.off:s.off+s.size]...)
			s.off = at
		case s.typ != elf.SHT_NULL:
			s.typ, s.off = elf.SHT_NOBITS, ehdrSize
		}
		sects[i] = s
	}
	shoff := alignUp(uint64(len(out)), 8)
	out = append(out, make([]byte, shoff-uint64(len(out))+uint64(len(sects))*shdrSize)...)
	for i, s := range sects {
		s.put(out[shoff+uint64(i)*shdrSize:], f.nameOffs[i])
	}
	le.PutUint64(out[32:], 0) // e_phoff
	le.PutUint64(out[40:], shoff)
	le.PutUint16(out[56:], 0) // e_phnum
	return out
}

// CheckDebug says whether debug is the debug file of kernel, as SplitDebug
// made them: an ELF file with DWARF whose notes (the Go and GNU build IDs)
// and loaded sections are the kernel's.
func CheckDebug(kernel, debug []byte) error {
	k, err := readSections(kernel)
	if err != nil {
		return err
	}
	d, err := readSections(debug)
	if err != nil {
		return fmt.Errorf("the debug file is not an ELF file: %v", err)
	}
	if !HasDebug(debug) {
		return fmt.Errorf("the debug file has no DWARF sections")
	}
	notes := 0
	for _, ks := range k.sects {
		if ks.flags&elf.SHF_ALLOC == 0 || ks.typ == elf.SHT_NULL {
			continue
		}
		var ds *section
		for i := range d.sects {
			if d.sects[i].name == ks.name {
				ds = &d.sects[i]
			}
		}
		if ds == nil || ds.addr != ks.addr || ds.size != ks.size {
			return fmt.Errorf("the debug file is another image's: its section %s differs", ks.name)
		}
		if ks.typ == elf.SHT_NOTE {
			if ds.typ != elf.SHT_NOTE || !bytes.Equal(kernel[ks.off:ks.off+ks.size], debug[ds.off:ds.off+ds.size]) {
				return fmt.Errorf("the debug file is another image's: its build ID (%s) differs", ks.name)
			}
			notes++
		}
	}
	if notes == 0 {
		return fmt.Errorf("the image has no build ID to match a debug file with")
	}
	return nil
}
