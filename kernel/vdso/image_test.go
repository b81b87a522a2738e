package vdso

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"testing"
)

// The image is an ELF shared object that a standard reader (debug/elf, as a
// stand-in for the Go runtime's and glibc's vDSO parsers) understands: the
// symbol, its value and its LINUX_2.6 version.
func TestImageReadsAsELF(t *testing.T) {
	b := make([]byte, Size)
	const value uint64 = 0xffff_ffff_ff00_1000 // a function below the image: the offset wraps
	if !Build(b, value) {
		t.Fatal("Build refused a buffer of Size")
	}
	if Build(make([]byte, Size-1), value) {
		t.Fatal("Build took a buffer shorter than Size")
	}
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("debug/elf: %v", err)
	}
	if f.Type != elf.ET_DYN || f.Machine != elf.EM_X86_64 || len(f.Progs) != 2 || f.Progs[0].Type != elf.PT_LOAD || f.Progs[1].Type != elf.PT_DYNAMIC {
		t.Fatalf("header: type %v machine %v, %d program headers", f.Type, f.Machine, len(f.Progs))
	}
	// Look the symbol up as a vDSO loader does: the dynamic table from
	// PT_DYNAMIC, then the hash table's chain, the symbol, its version.
	le := binary.LittleEndian
	dyn := map[uint64]uint64{}
	for off := f.Progs[1].Off; ; off += 16 {
		tag, val := le.Uint64(b[off:]), le.Uint64(b[off+8:])
		if tag == uint64(elf.DT_NULL) {
			break
		}
		dyn[tag] = val
	}
	for _, tag := range []elf.DynTag{elf.DT_HASH, elf.DT_STRTAB, elf.DT_SYMTAB, elf.DT_VERSYM, elf.DT_VERDEF} {
		if _, ok := dyn[uint64(tag)]; !ok {
			t.Fatalf("no %v in the dynamic table", tag)
		}
	}
	str := func(off uint32) string {
		s := b[dyn[uint64(elf.DT_STRTAB)]+uint64(off):]
		return string(s[:bytes.IndexByte(s, 0)])
	}
	hash := b[dyn[uint64(elf.DT_HASH)]:]
	nbucket := le.Uint32(hash)
	found := false
	for i := le.Uint32(hash[8:]); i != 0; i = le.Uint32(hash[8+4*nbucket+4*i:]) {
		sym := b[dyn[uint64(elf.DT_SYMTAB)]+24*uint64(i):]
		if str(le.Uint32(sym)) != "__vdso_clock_gettime" {
			continue
		}
		found = true
		if info := sym[4]; elf.ST_TYPE(info) != elf.STT_FUNC || elf.ST_BIND(info) != elf.STB_GLOBAL || le.Uint16(sym[6:]) == uint16(elf.SHN_UNDEF) {
			t.Errorf("symbol info %#x, section %d", info, le.Uint16(sym[6:]))
		}
		if v := le.Uint64(sym[8:]); v != value {
			t.Errorf("symbol value %#x, want %#x", v, value)
		}
		ndx := le.Uint16(b[dyn[uint64(elf.DT_VERSYM)]+2*uint64(i):])
		def := b[dyn[uint64(elf.DT_VERDEF)]:]
		if le.Uint16(def[4:]) != ndx || le.Uint32(def[8:]) != versionHash {
			t.Errorf("version index %d, verdef index %d hash %#x", ndx, le.Uint16(def[4:]), le.Uint32(def[8:]))
		}
		if name := str(le.Uint32(def[le.Uint32(def[12:]):])); name != "LINUX_2.6" {
			t.Errorf("version %q, want LINUX_2.6", name)
		}
	}
	if !found {
		t.Fatal("__vdso_clock_gettime is not in the hash table's chain")
	}
}

// The ELF hash of the version name, which the Go runtime compares.
func TestVersionHash(t *testing.T) {
	var h uint32
	for _, c := range []byte("LINUX_2.6") {
		h = h<<4 + uint32(c)
		g := h & 0xf0000000
		if g != 0 {
			h ^= g >> 24
		}
		h &^= g
	}
	if h != versionHash {
		t.Errorf("hash %#x, want %#x", h, versionHash)
	}
}
