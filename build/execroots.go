package build

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"strings"
)

// The roots of a static program's code (reachesSockets) are where it can
// be entered from without a reference in an instruction: the entry point,
// code outside any function, and the functions whose addresses its data
// holds (function pointers in tables, vtables, the GOT, init_array, IFUNC
// resolvers, exception personality routines), which the program may call
// through a pointer loaded from anywhere.

// shtRelr is SHT_RELR: relative relocations packed as offsets and bitmaps
// (ld -z pack-relative-relocs), each word holding its addend in place.
const shtRelr = elf.SectionType(19)

// codeRoots are the nodes of g that f can enter without a reference from
// its code; false when f cannot be read well enough to tell.
func codeRoots(f *elf.File, g *codeGraph) ([]int, bool) {
	var roots []int
	add := func(i int) { roots = append(roots, i) }
	g.containing(f.Entry, add)
	if len(roots) == 0 {
		return nil, false
	}
	for i, n := range g.nodes {
		if n.uncovered {
			add(i)
		}
	}
	addrs, err := relocTargets(f)
	if err != nil {
		return nil, false
	}
	pers, err := personalities(f)
	if err != nil {
		return nil, false
	}
	for _, tag := range []elf.DynTag{elf.DT_INIT, elf.DT_FINI} {
		v, _ := f.DynValue(tag)
		addrs = append(addrs, v...)
	}
	for _, a := range append(addrs, pers...) {
		g.containing(a, add)
	}
	if f.Type == elf.ET_EXEC {
		if err := g.dataWords(f, add); err != nil {
			return nil, false
		}
	}
	return roots, true
}

// relocTargets are the addresses that f's dynamic relocations store:
// every pointer in a static-PIE program's data, and the IFUNC resolvers of
// any static program (R_X86_64_IRELATIVE in .rela.iplt).
func relocTargets(f *elf.File) ([]uint64, error) {
	var out []uint64
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type != elf.SHT_RELA && s.Type != shtRelr {
			continue
		}
		data, err := s.Data()
		if err != nil {
			return nil, err
		}
		var t []uint64
		if s.Type == shtRelr {
			t, err = relrTargets(f, data)
		} else {
			t, err = relaTargets(f, data)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t...)
	}
	return out, nil
}

// relaTargets reads Elf64_Rela entries (offset, info, addend) for the
// address each stores: the addend, plus the symbol's value for a
// relocation against a symbol. Other kinds (TLS offsets) store no address.
func relaTargets(f *elf.File, data []byte) ([]uint64, error) {
	var out []uint64
	var dyn []elf.Symbol
	for off := 0; off+24 <= len(data); off += 24 {
		info := f.ByteOrder.Uint64(data[off+8:])
		addend := f.ByteOrder.Uint64(data[off+16:])
		switch elf.R_X86_64(info & 0xffffffff) {
		case elf.R_X86_64_RELATIVE, elf.R_X86_64_IRELATIVE, elf.R_X86_64_64, elf.R_X86_64_GLOB_DAT, elf.R_X86_64_JMP_SLOT:
		default:
			continue
		}
		sym := info >> 32
		if sym == 0 {
			out = append(out, addend)
			continue
		}
		if dyn == nil {
			var err error
			if dyn, err = f.DynamicSymbols(); err != nil {
				return nil, err
			}
		}
		if sym > uint64(len(dyn)) {
			return nil, errors.New("relocation against a missing symbol")
		}
		out = append(out, dyn[sym-1].Value+addend)
	}
	return out, nil
}

// relrTargets reads SHT_RELR: an even entry is the address of a word to
// relocate; an odd one a bitmap of the 63 words after the last address.
// Each word holds its address already.
func relrTargets(f *elf.File, data []byte) ([]uint64, error) {
	var out []uint64
	var next uint64
	word := func(a uint64) error {
		v, ok := wordAt(f, a)
		if !ok {
			return errors.New("relative relocation outside the file")
		}
		out = append(out, v)
		return nil
	}
	for off := 0; off+8 <= len(data); off += 8 {
		e := f.ByteOrder.Uint64(data[off:])
		if e&1 == 0 {
			if err := word(e); err != nil {
				return nil, err
			}
			next = e + 8
			continue
		}
		for bit := uint64(0); bit < 63; bit++ {
			if e>>(bit+1)&1 != 0 {
				if err := word(next + 8*bit); err != nil {
					return nil, err
				}
			}
		}
		next += 63 * 8
	}
	return out, nil
}

// wordAt reads the 64-bit word at address a of f's loaded image.
func wordAt(f *elf.File, a uint64) (uint64, bool) {
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && a >= p.Vaddr && a+8 <= p.Vaddr+p.Filesz {
			var b [8]byte
			if _, err := p.ReadAt(b[:], int64(a-p.Vaddr)); err != nil {
				return 0, false
			}
			return f.ByteOrder.Uint64(b[:]), true
		}
	}
	return 0, false
}

// dataWords calls visit with the functions whose start address a
// position-dependent program's data holds: an aligned 64-bit or 32-bit
// word of an allocated section that is not code (.data, .rodata, the GOT,
// init_array and the like) equal to it.
func (g *codeGraph) dataWords(f *elf.File, visit func(int)) error {
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 || s.Type == elf.SHT_NOBITS {
			continue
		}
		data, err := s.Data()
		if err != nil {
			return err
		}
		for off := (4 - s.Addr%4) % 4; off+4 <= uint64(len(data)); off += 4 {
			g.startingAt(uint64(f.ByteOrder.Uint32(data[off:])), visit)
			if (s.Addr+off)%8 == 0 && off+8 <= uint64(len(data)) {
				g.startingAt(f.ByteOrder.Uint64(data[off:]), visit)
			}
		}
	}
	return nil
}

// personalities are the personality routines that the CIEs of .eh_frame
// name: the unwinder calls them, and no instruction refers to them.
func personalities(f *elf.File) ([]uint64, error) {
	s := f.Section(".eh_frame")
	if s == nil || s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	var out []uint64
	for off := 0; off+8 <= len(data); {
		length, idLen := uint64(binary.LittleEndian.Uint32(data[off:])), 4
		hdr := 4
		if length == 0 {
			break
		}
		if length == 0xffffffff { // 64-bit DWARF
			if off+16 > len(data) {
				return nil, errors.New("truncated .eh_frame")
			}
			length, hdr, idLen = binary.LittleEndian.Uint64(data[off+4:]), 12, 8
		}
		end := uint64(off+hdr) + length
		if end > uint64(len(data)) || length < uint64(idLen) {
			return nil, errors.New("truncated .eh_frame")
		}
		body := data[off+hdr+idLen : end]
		if isZero(data[off+hdr : off+hdr+idLen]) { // a CIE, not an FDE
			p, ok, err := ciePersonality(f, body, s.Addr+uint64(off+hdr+idLen))
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, p)
			}
		}
		off = int(end)
	}
	return out, nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ciePersonality reads the personality routine's address from a CIE's
// augmentation data ('P' in a "z..." augmentation string); b is the CIE
// after its ID, at address addr.
func ciePersonality(f *elf.File, b []byte, addr uint64) (uint64, bool, error) {
	r := &ehReader{b: b, addr: addr}
	version := r.byte()
	aug := r.cstring()
	if !strings.HasPrefix(aug, "z") {
		return 0, false, r.err
	}
	r.uleb() // code alignment
	r.uleb() // data alignment (signed: only skipped)
	if version == 1 {
		r.byte() // return address register
	} else {
		r.uleb()
	}
	r.uleb() // augmentation data length
	for _, c := range aug[1:] {
		switch c {
		case 'L', 'R':
			r.byte() // the encodings of LSDA and FDE pointers
		case 'P':
			enc := r.byte()
			p, indirect := r.pointer(enc)
			if r.err != nil {
				return 0, false, r.err
			}
			if indirect {
				v, ok := wordAt(f, p)
				if !ok { // a pointer word without contents: its relocation says
					return 0, false, nil
				}
				p = v
			}
			return p, true, nil
		case 'S', 'B', 'G':
		default:
			return 0, false, errors.New(".eh_frame: unknown augmentation " + aug)
		}
	}
	return 0, false, r.err
}

// ehReader reads the fields of .eh_frame; err records the first overrun.
type ehReader struct {
	b    []byte
	pos  int
	addr uint64 // the address of b[0]
	err  error
}

func (r *ehReader) need(n int) bool {
	if r.err == nil && r.pos+n > len(r.b) {
		r.err = errors.New("truncated .eh_frame entry")
	}
	return r.err == nil
}

func (r *ehReader) byte() byte {
	if !r.need(1) {
		return 0
	}
	r.pos++
	return r.b[r.pos-1]
}

func (r *ehReader) cstring() string {
	start := r.pos
	for r.byte() != 0 && r.err == nil {
	}
	return string(r.b[start:max(start, r.pos-1)])
}

// uleb reads an unsigned LEB128 number (a signed one has the same length).
func (r *ehReader) uleb() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 || r.err != nil {
			return v
		}
	}
}

func (r *ehReader) sleb() uint64 {
	start := r.pos
	v := r.uleb()
	if n := uint(7 * (r.pos - start)); r.err == nil && n < 64 && r.b[r.pos-1]&0x40 != 0 {
		v |= ^uint64(0) << n
	}
	return v
}

func (r *ehReader) fixed(n int) uint64 {
	if !r.need(n) {
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(r.b[r.pos+i])
	}
	r.pos += n
	return v
}

// pointer reads a pointer in DWARF exception-header encoding enc: the
// address, and whether it is that of a word holding the pointer.
func (r *ehReader) pointer(enc byte) (uint64, bool) {
	at := r.addr + uint64(r.pos)
	var v uint64
	switch enc & 0x0f {
	case 0x00, 0x04, 0x0c: // absptr, udata8, sdata8
		v = r.fixed(8)
	case 0x01: // uleb128
		v = r.uleb()
	case 0x09: // sleb128
		v = r.sleb()
	case 0x02: // udata2
		v = r.fixed(2)
	case 0x0a: // sdata2
		v = uint64(int16(r.fixed(2)))
	case 0x03: // udata4
		v = r.fixed(4)
	case 0x0b: // sdata4
		v = uint64(int32(r.fixed(4)))
	default:
		r.err = errors.New(".eh_frame: unknown pointer encoding")
	}
	switch enc & 0x70 {
	case 0x00: // absolute
	case 0x10: // relative to the pointer's own address
		v += at
	default:
		r.err = errors.New(".eh_frame: unknown pointer application")
	}
	return v, enc&0x80 != 0
}
