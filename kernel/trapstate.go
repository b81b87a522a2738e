package kernel

import (
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/threads"
)

// The layout shared with trap_amd64.s and pvh_amd64.s. The assembly reads
// it from go_asm.h, which the compiler writes from this package's struct
// types and constants (trapRegs_depth, trapFrame__size, const_trapStackTop,
// ...), so an offset cannot drift from its Go declaration. What go_asm.h
// cannot carry is checked by layout_test.go: the order the CPU pushes the
// interrupt frame in, the runtime's g, and the vector stubs' machine code.

// trapRegs is the type of trapState, the trap entry's and exit's variables.
type trapRegs struct {
	frame     uintptr // &current thread's Frame
	fx        uintptr // its FXSAVE area
	fsBase    uint64  // its TLS base
	depth     uint64  // 0 while a thread runs; > 0 in the kernel
	scratchSP uint64  // the syscall entry's stack pointer
}

// trapState starts at depth 1 (booting). The non-zero initialiser keeps it
// in loaded data, so it exists before any page can be mapped.
var trapState = trapRegs{depth: 1}

// trapFrame is threads.Frame under a name of this package, so that go_asm.h
// has its offsets (trapFrame_RAX, ...): the entry builds it on the trap
// stack and copies it into the thread.
type trapFrame threads.Frame

// setCurrent makes the trap exit resume t.
func setCurrent(t *threads.Thread) {
	trapState.frame = t.FrameAddr()
	trapState.fx = t.FX()
	trapState.fsBase = t.FSBase
}

func vectorsAddr() uintptr
func syscallEntryAddr() uintptr
func stacksAddr() uintptr
func rt0Addr() uintptr
func imageEndAddr() uintptr
func startFirstThread()

// The stacks symbol: the kernel stack [0, 64K), the trap stack (IST1)
// [64K, 80K), the double-fault stack (IST2) [80K, 84K). One symbol, so the
// kernel's g bounds cover all three.
const (
	kernelStackTop = 64 << 10
	trapStackTop   = 80 << 10
	doubleFaultTop = 84 << 10
	stacksSize     = doubleFaultTop
)

// vectorStubSize is the distance between two entry stubs: vector n enters
// at vectorsAddr() + n*vectorStubSize.
const vectorStubSize = 32

// What syscallEntry writes into the frame the CPU would have pushed.
const (
	kernelCS      = cpu.KernelCS
	kernelDS      = cpu.KernelDS
	vectorSyscall = threads.VectorSyscall
)

// Offsets in the runtime's g of the stack bounds that kernelG (pvh_amd64.s)
// sets: stack.lo, stack.hi, stackguard0, stackguard1. Function prologues
// compare SP with stackguard0.
const (
	gStackLo     = 0
	gStackHi     = 8
	gStackguard0 = 16
	gStackguard1 = 24
)
