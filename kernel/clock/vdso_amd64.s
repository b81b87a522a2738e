#include "textflag.h"

// vdsoClockGettime is the vDSO's __vdso_clock_gettime (package kernel/vdso
// publishes it): the Go runtime reads the clocks through it without a
// system call, as it does on Linux. It is called with the System V ABI,
// DI = clock id and SI = the struct timespec, and computes what
// Nanotime and Realtime do from the same state. The app runs in ring 0 in
// the kernel's address space, so it reads state directly. Clock ids the
// kernel does not know go to the clock_gettime system call, which fails
// them as Linux does.
TEXT ·vdsoClockGettime(SB),NOSPLIT|NOFRAME,$0
	CMPQ DI, $7 // unsigned: negative ids (other threads' CPU clocks) too
	JA   syscall
	RDTSC
	SHLQ $32, DX
	ORQ  DX, AX
	SUBQ ·state+16(SB), AX // ticks since boot (state.tsc0)
	MULQ ·state+8(SB)      // DX:AX = ticks * state.nsPerTSC (32.32)
	SHRQ $32, AX
	SHLQ $32, DX
	ORQ  DX, AX            // nanoseconds since boot
	CMPQ DI, $0            // CLOCK_REALTIME
	JEQ  wall
	CMPQ DI, $5            // CLOCK_REALTIME_COARSE
	JNE  split
wall:
	ADDQ ·state+24(SB), AX // state.wall0
split:
	XORL DX, DX
	MOVQ $1000000000, CX
	DIVQ CX
	MOVQ AX, 0(SI)         // tv_sec
	MOVQ DX, 8(SI)         // tv_nsec
	XORL AX, AX
	RET
syscall:
	MOVQ $228, AX // clock_gettime
	SYSCALL
	RET

// VDSOClockGettimeAddr returns the address of vdsoClockGettime.
TEXT ·VDSOClockGettimeAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ ·vdsoClockGettime(SB), AX
	MOVQ AX, ret+0(FP)
	RET
