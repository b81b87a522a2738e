package kernel

import (
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
)

// The PVH start info (hvm_start_info, version 1) the loader leaves at EBX.
const (
	startMagic      = 0x336ec578
	siCmdline       = 24
	siMemmap        = 40
	siMemmapEntries = 48
	memmapRAM       = 1
)

func u32(a uintptr) uint32 { return *(*uint32)(unsafe.Add(nil, a)) }
func u64(a uintptr) uint64 { return *(*uint64)(unsafe.Add(nil, a)) }

// readMemoryMap copies the usable RAM ranges. Runs on the boot page tables
// (physical = virtual).
func readMemoryMap(si uintptr, out *[32]memory.RAM) int {
	if u32(si) != startMagic {
		return 0
	}
	mm := uintptr(u64(si + siMemmap))
	n := 0
	for i := uintptr(0); i < uintptr(u32(si+siMemmapEntries)) && n < len(out); i++ {
		e := mm + 24*i
		if u32(e+16) != memmapRAM {
			continue
		}
		out[n] = memory.RAM{Start: uintptr(u64(e)), End: uintptr(u64(e) + u64(e+8))}
		n++
	}
	return n
}

// copyCmdline copies the NUL-terminated command line into buf, reading it
// through the direct map. It returns the length.
func copyCmdline(si uintptr, buf []byte) int {
	p := uintptr(u64(memory.PhysToVirt(si) + siCmdline))
	if p == 0 {
		return 0
	}
	src := memory.PhysToVirt(p)
	n := 0
	for n < len(buf) {
		c := *(*byte)(unsafe.Add(nil, src+uintptr(n)))
		if c == 0 {
			break
		}
		buf[n] = c
		n++
	}
	return n
}

// userMemory returns the app's memory [top-n, top) as a byte slice; the
// caller has made sure it is mapped.
func userMemory(top, n uintptr) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(nil, top-n)), n)
}
