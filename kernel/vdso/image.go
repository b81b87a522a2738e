// Package vdso makes the app's virtual dynamic shared object: the small ELF
// image whose address the auxiliary vector gives as AT_SYSINFO_EHDR. The Go
// runtime (like glibc) looks __vdso_clock_gettime up in it and then reads
// the clocks without a system call; a Go server asks for the time hundreds
// of times per request, and each trap costs far more than the read.
//
// The image holds only what a loader of vDSOs reads: an ELF header, a
// PT_LOAD and a PT_DYNAMIC program header, the dynamic table, a SysV hash
// table, the symbol table with its version table (LINUX_2.6, which Go
// checks), and the string table. The function itself is kernel code
// (package clock); its symbol's value is its offset from the image.
package vdso

// Size is the image's length in bytes.
const Size = strOff + len(strtab)

// Layout: every part at a fixed offset from the ELF header (which is also
// the load address: p_vaddr and p_offset are both 0).
const (
	ehdrSize   = 64
	phdrSize   = 56
	phdrOff    = ehdrSize
	dynOff     = phdrOff + 2*phdrSize
	dynEntries = 10
	hashOff    = dynOff + 16*dynEntries
	symOff     = hashOff + 4*(3+nSyms) + 4 // nbucket, nchain, one bucket, the chain; 8-byte aligned
	symSize    = 24
	nSyms      = 2 // the null symbol, __vdso_clock_gettime
	versymOff  = symOff + symSize*nSyms
	verdefOff  = versymOff + 2*nSyms + 4 // 4-byte aligned
	verdefSize = 20
	verdauxOff = verdefOff + verdefSize
	strOff     = verdauxOff + 8
)

// The string table: offsets of the names in it.
const (
	strtab      = "\x00__vdso_clock_gettime\x00LINUX_2.6\x00"
	nameClock   = 1
	nameVersion = 1 + len("__vdso_clock_gettime") + 1
)

// ELF constants (the System V gABI).
const (
	etDyn       = 3
	emX86_64    = 62
	ptLoad      = 1
	ptDynamic   = 2
	dtNull      = 0
	dtHash      = 4
	dtStrtab    = 5
	dtSymtab    = 6
	dtStrsz     = 10
	dtSyment    = 11
	dtVersym    = 0x6ffffff0
	dtVerdef    = 0x6ffffffc
	dtVerdefnum = 0x6ffffffd
	stbGlobal   = 1
	sttFunc     = 2
	versionNdx  = 2         // LINUX_2.6's index; 1 is the base version
	versionHash = 0x3ae75f6 // the SysV ELF hash of "LINUX_2.6"
)

// Build writes the image into b, with __vdso_clock_gettime at clockGettime
// bytes from b's start (an offset that may wrap, as the kernel's text lies
// below the image). It returns false when b is shorter than Size.
func Build(b []byte, clockGettime uint64) bool {
	if len(b) < Size {
		return false
	}
	for i := range b[:Size] {
		b[i] = 0
	}
	// ELF header.
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1 // 64-bit, little-endian, version 1
	put16(b[16:], etDyn)
	put16(b[18:], emX86_64)
	put32(b[20:], 1)
	put64(b[32:], phdrOff)
	put16(b[52:], ehdrSize)
	put16(b[54:], phdrSize)
	put16(b[56:], 2)
	// Program headers: the whole image as one loaded segment, and the
	// dynamic table.
	phdr(b[phdrOff:], ptLoad, 5, 0, uint64(Size)) // R+X
	phdr(b[phdrOff+phdrSize:], ptDynamic, 4, dynOff, 16*dynEntries)
	// Dynamic table: addresses are offsets from the image.
	d := b[dynOff:]
	for i, e := range [dynEntries][2]uint64{
		{dtHash, hashOff}, {dtStrtab, strOff}, {dtSymtab, symOff}, {dtStrsz, uint64(len(strtab))},
		{dtSyment, symSize}, {dtVersym, versymOff}, {dtVerdef, verdefOff}, {dtVerdefnum, 1}, {dtNull, 0},
	} {
		put64(d[16*i:], e[0])
		put64(d[16*i+8:], e[1])
	}
	// Hash table: one bucket whose chain is the one symbol.
	put32(b[hashOff:], 1)       // nbucket
	put32(b[hashOff+4:], nSyms) // nchain
	put32(b[hashOff+8:], 1)     // bucket[0]: symbol 1
	// chain[0] and chain[1] stay 0: symbol 1 ends its chain.
	// Symbol 1.
	s := b[symOff+symSize:]
	put32(s, nameClock)
	s[4] = stbGlobal<<4 | sttFunc
	put16(s[6:], 1) // any section but SHN_UNDEF
	put64(s[8:], clockGettime)
	// Versions: symbol 1 is LINUX_2.6.
	put16(b[versymOff+2:], versionNdx)
	v := b[verdefOff:]
	put16(v, 1) // vd_version
	put16(v[4:], versionNdx)
	put16(v[6:], 1) // one name
	put32(v[8:], versionHash)
	put32(v[12:], verdefSize) // vd_aux: the name follows
	put32(b[verdauxOff:], uint32(nameVersion))
	copy(b[strOff:], strtab)
	return true
}

func phdr(b []byte, typ, flags uint32, off, size uint64) {
	put32(b, typ)
	put32(b[4:], flags)
	put64(b[8:], off)   // p_offset
	put64(b[16:], off)  // p_vaddr
	put64(b[24:], off)  // p_paddr
	put64(b[32:], size) // p_filesz
	put64(b[40:], size) // p_memsz
	put64(b[48:], 8)    // p_align
}

func put16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }

func put32(b []byte, v uint32) {
	for i := range 4 {
		b[i] = byte(v >> (8 * i))
	}
}

func put64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}
