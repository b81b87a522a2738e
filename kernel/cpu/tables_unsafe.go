package cpu

import "unsafe"

// Segment selectors of the kernel's GDT. Everything runs in ring 0: the app
// and the kernel share one address space and one privilege level.
const (
	KernelCS  = 0x08
	KernelDS  = 0x10
	tssSel    = 0x18
	gdtLength = 5 // null, code, data, TSS (two slots)
)

// The tables live in initialised data (the magic first words keep them out of
// BSS), so they exist before the kernel can map pages on demand.
var gdt = [gdtLength]uint64{
	0,
	0x00af9a000000ffff, // 64-bit code, present, ring 0
	0x00cf92000000ffff, // data, present, writable
}

// tss is the 64-bit task-state segment: only its interrupt stack table matters.
var tss = [26]uint32{25: 104 << 16} // I/O map base beyond the limit: no I/O bitmap

var idt = [256][2]uint64{255: {1, 0}}

// descriptor is the operand of LGDT and LIDT.
type descriptor struct {
	_     [3]uint16
	limit uint16
	base  uint64
}

var gdtDesc, idtDesc = descriptor{limit: 1}, descriptor{limit: 1}

// LoadGDT installs the kernel GDT and its TSS.
func LoadGDT() {
	base := uint64(uintptr(unsafe.Pointer(&tss)))
	limit := uint64(104 - 1)
	gdt[3] = limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | (base>>24&0xff)<<56
	gdt[4] = base >> 32
	gdtDesc.limit = uint16(8*gdtLength - 1)
	gdtDesc.base = uint64(uintptr(unsafe.Pointer(&gdt)))
	Lgdt(uintptr(unsafe.Pointer(&gdtDesc.limit)))
	ReloadSegments()
	Ltr(tssSel)
}

// SetIST points interrupt-stack-table slot n (1..7) at the top of a stack.
func SetIST(n int, top uintptr) {
	i := 9 + 2*(n-1) // IST1 starts at byte 36 = word 9
	tss[i] = uint32(top)
	tss[i+1] = uint32(uint64(top) >> 32)
}

// SetGate installs an interrupt gate (interrupts disabled on entry) for a
// vector, running on interrupt stack ist.
func SetGate(vector int, handler uintptr, ist int) {
	h := uint64(handler)
	idt[vector][0] = h&0xffff | uint64(KernelCS)<<16 | uint64(ist)<<32 | 0x8e<<40 | (h>>16&0xffff)<<48
	idt[vector][1] = h >> 32
}

// LoadIDT makes the IDT live.
func LoadIDT() {
	idtDesc.limit = uint16(len(idt)*16 - 1)
	idtDesc.base = uint64(uintptr(unsafe.Pointer(&idt)))
	Lidt(uintptr(unsafe.Pointer(&idtDesc.limit)))
}
