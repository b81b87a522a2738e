// Package loader maps an unmodified static executable into the address
// space, as Linux's execve would (docs/exec-design.md): its PT_LOAD segments
// as private mappings of the file in the image's root (pages shared with the
// file until written), the rest of each segment's memory zero, a static-PIE
// program at a random base. It runs once, at boot, on the kernel stack:
// no allocation.
package loader

import (
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/random"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/vfs"
)

// Program is what Load mapped: what the initial stack's auxiliary vector
// tells the program, and where its break starts.
type Program struct {
	Entry    uintptr // AT_ENTRY: where the first thread starts
	Phdr     uintptr // AT_PHDR: the program headers in memory (0: not loaded)
	Phnum    int     // AT_PHNUM
	BrkStart uintptr // the end of the highest segment
	Ino      vfs.Ino // the file, held open while mapped
}

// ELF constants the loader needs.
const (
	ptLoad   = 1
	ptInterp = 3
	ptPhdr   = 6
	etExec   = 2
	etDyn    = 3
	pfX      = 1
	pfW      = 2
	pfR      = 4
	phdrSize = 56
	maxPhnum = 64
)

// pieBase is where a static-PIE program goes, plus a random offset of up to
// 1 GiB: far from the mmap area, the direct map and the kernel.
const pieBase uintptr = 0x5555_0000_0000

// headers holds the ELF header and the program header table while loading.
var headers [64 + maxPhnum*phdrSize]byte

// pathBuf is Walk's buffer for the program's path.
var pathBuf [vfs.PathMax]byte

// Load maps the executable at path (in the image's root, links followed)
// into p. It returns "" or what is wrong, for the boot failure message.
func Load(path []byte, p *Program) string {
	r, e := vfs.Walk(vfs.Root(), path, vfs.Follow, &pathBuf)
	if e != 0 || r.Ino == 0 {
		return "the program is not in the image"
	}
	ino := r.Ino
	n, e := vfs.ReadAt(ino, headers[:64], 0)
	if e != 0 || n < 64 || headers[0] != 0x7f || headers[1] != 'E' || headers[2] != 'L' || headers[3] != 'F' {
		return "the program is not an ELF executable"
	}
	if headers[4] != 2 || headers[5] != 1 || u16(18) != 62 {
		return "the program is not a 64-bit x86-64 executable"
	}
	typ := u16(16)
	if typ != etExec && typ != etDyn {
		return "the program is not an executable"
	}
	phoff, phnum := u64(32), int(u16(56))
	if u16(54) != phdrSize || phnum == 0 || phnum > maxPhnum {
		return "the program's header table is malformed"
	}
	if n, e = vfs.ReadAt(ino, headers[64:64+phnum*phdrSize], int64(phoff)); e != 0 || n != phnum*phdrSize {
		return "the program is truncated"
	}
	if !vfs.HoldMapped(ino) {
		return "too many mapped files"
	}
	var bias uintptr
	if typ == etDyn {
		bias = pieBase + uintptr(random.Uint64()%(1<<18))*memory.PageSize
	}
	*p = Program{Entry: uintptr(u64(24)) + bias, Phnum: phnum, Ino: ino}
	for i := 0; i < phnum; i++ {
		ph := 64 + i*phdrSize
		switch u32(ph) {
		case ptInterp:
			return "the program is dynamically linked: it needs an interpreter (ld.so) and shared libraries"
		case ptPhdr:
			p.Phdr = uintptr(u64(ph+16)) + bias
		case ptLoad:
			if msg := loadSegment(ino, ph, bias, p); msg != "" {
				return msg
			}
		}
	}
	if p.BrkStart == 0 {
		return "the program has nothing to load"
	}
	return ""
}

// loadSegment maps one PT_LOAD: the file's bytes privately, the page they
// end in cleared past them, anonymous memory for the rest. The first
// segment, which holds the file's start, gives AT_PHDR when no PT_PHDR did.
func loadSegment(ino vfs.Ino, ph int, bias uintptr, p *Program) string {
	flags := u32(ph + 4)
	off, vaddr := uintptr(u64(ph+8)), uintptr(u64(ph+16))+bias
	filesz, memsz := uintptr(u64(ph+32)), uintptr(u64(ph+40))
	if memsz == 0 {
		return ""
	}
	if filesz > memsz || (vaddr-off)%memory.PageSize != 0 || vaddr+memsz < vaddr {
		return "a segment of the program is malformed"
	}
	var prot uint32
	if flags&pfR != 0 {
		prot |= memory.ProtRead
	}
	if flags&pfW != 0 {
		prot |= memory.ProtWrite
	}
	if flags&pfX != 0 {
		prot |= memory.ProtExec
	}
	start := vaddr &^ (memory.PageSize - 1)
	fileEnd := pageUp(vaddr + filesz)
	end := pageUp(vaddr + memsz)
	zeroTail := filesz < memsz && (vaddr+filesz)%memory.PageSize != 0
	if filesz > 0 {
		mapProt := prot
		if zeroTail {
			mapProt |= memory.ProtWrite
		}
		if memory.Mmap(start, fileEnd-start, mapProt, memory.MapPrivate|memory.MapFixed, uint32(ino), int64(off-(vaddr-start))) < 0 {
			return "the program's segments do not fit in memory (they overlap the kernel or each other)"
		}
		if zeroTail {
			tail, ok := abi.UserBytes(vaddr+filesz, fileEnd-(vaddr+filesz), true)
			if !ok {
				return "no memory for the program's data: run with a larger --memory"
			}
			clear(tail)
			if mapProt != prot {
				memory.Mprotect(start, fileEnd-start, prot)
			}
		}
		if off == 0 && p.Phdr == 0 {
			p.Phdr = vaddr + uintptr(u64(32))
		}
	} else {
		fileEnd = start
	}
	if end > fileEnd && memory.Mmap(fileEnd, end-fileEnd, prot, memory.MapPrivate|memory.MapAnonymous|memory.MapFixed, 0, 0) < 0 {
		return "the program's memory does not fit (it overlaps the kernel)"
	}
	if end > p.BrkStart {
		p.BrkStart = end
	}
	return ""
}

func pageUp(a uintptr) uintptr { return (a + memory.PageSize - 1) &^ (memory.PageSize - 1) }

func u16(i int) uint16 { return uint16(headers[i]) | uint16(headers[i+1])<<8 }
func u32(i int) uint32 { return uint32(u16(i)) | uint32(u16(i+2))<<16 }
func u64(i int) uint64 { return uint64(u32(i)) | uint64(u32(i+4))<<32 }
