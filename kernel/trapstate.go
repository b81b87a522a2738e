package kernel

import "unigo.dev/unigo/kernel/threads"

// trapState is shared with the trap entry and exit in trap_amd64.s (which
// uses fixed offsets: keep the field order). The non-zero initialiser keeps it
// in loaded data, so it exists before any page can be mapped.
var trapState = struct {
	frame     uintptr // &current thread's Frame
	fx        uintptr // its FXSAVE area
	fsBase    uint64  // its TLS base
	depth     uint64  // 0 while a thread runs; > 0 in the kernel
	scratchSP uint64  // the syscall entry's stack pointer
}{depth: 1}

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

// Stack layout inside the stacks symbol (see trap_amd64.s).
const (
	trapStackTop   = 80 << 10
	doubleFaultTop = 84 << 10
)
