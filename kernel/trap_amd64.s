#include "textflag.h"
#include "go_asm.h"

// Kernel entry and exit: interrupts, exceptions and system calls.
//
// Every entry builds a threads.Frame (general registers, vector, error code
// and the IRETQ frame) on the trap stack. From a thread (trapState.depth 0)
// the frame and the FPU/SSE state are copied into the current thread and the
// Go handler runs on the kernel stack; the exit then restores whichever
// thread is current by then. From the kernel itself (depth > 0: a page fault
// on kernel data, or an interrupt while idle) the handler runs on the trap
// stack and returns to the interrupted kernel code.
//
// Offsets into Go structs and shared constants come from go_asm.h (see
// trapstate.go): trapRegs_* for trapState, trapFrame_* for threads.Frame.

// The stacks (kernel, trap, double fault: trapstate.go). One symbol, so the
// kernel's g bounds cover all three.
GLOBL ·stacks(SB), NOPTR, $const_stacksSize
DATA ·stacks+0(SB)/8, $0x6b63617473 // keeps the stacks in the loaded image

// PUSH_GPRS stores the general registers below the vector, completing the frame.
#define PUSH_GPRS \
	LEAQ -trapFrame_Vector(SP), SP; \
	MOVQ AX, trapFrame_RAX(SP); MOVQ BX, trapFrame_RBX(SP); MOVQ CX, trapFrame_RCX(SP); MOVQ DX, trapFrame_RDX(SP); \
	MOVQ SI, trapFrame_RSI(SP); MOVQ DI, trapFrame_RDI(SP); MOVQ BP, trapFrame_RBP(SP); MOVQ R8, trapFrame_R8(SP); \
	MOVQ R9, trapFrame_R9(SP); MOVQ R10, trapFrame_R10(SP); MOVQ R11, trapFrame_R11(SP); MOVQ R12, trapFrame_R12(SP); \
	MOVQ R13, trapFrame_R13(SP); MOVQ R14, trapFrame_R14(SP); MOVQ R15, trapFrame_R15(SP)

// POP_GPRS also drops the vector and error code: SP ends at the IRETQ frame.
#define POP_GPRS \
	MOVQ trapFrame_RAX(SP), AX; MOVQ trapFrame_RBX(SP), BX; MOVQ trapFrame_RCX(SP), CX; MOVQ trapFrame_RDX(SP), DX; \
	MOVQ trapFrame_RSI(SP), SI; MOVQ trapFrame_RDI(SP), DI; MOVQ trapFrame_RBP(SP), BP; MOVQ trapFrame_R8(SP), R8; \
	MOVQ trapFrame_R9(SP), R9; MOVQ trapFrame_R10(SP), R10; MOVQ trapFrame_R11(SP), R11; MOVQ trapFrame_R12(SP), R12; \
	MOVQ trapFrame_R13(SP), R13; MOVQ trapFrame_R14(SP), R14; MOVQ trapFrame_R15(SP), R15; \
	LEAQ trapFrame_RIP(SP), SP

// SET_FS_BASE sets the FS base to AX (clobbers CX, DX).
#define SET_FS_BASE \
	MOVQ AX, DX; SHRQ $32, DX; MOVL $0xc0000100, CX; WRMSR

// The entry stubs. STUB(n) enters vector n, for which the CPU pushes no
// error code: it pushes a 0 in its place, then n. ERR_STUB(n) is for the
// vectors where the CPU pushed one: it pushes n only. Either way SP ends at
// the frame's Vector, with ErrorCode above it. Each fits in vectorStubSize
// bytes, from its own aligned start (checked by TestVectorStubs).
// Stack adjustments use LEAQ and MOVQ, not PUSHQ/SUBQ, so that the linker's
// nosplit accounting (meant for goroutine stacks) does not apply to trap stacks.
#define STUB(n) \
	PCALIGN $const_vectorStubSize; LEAQ -16(SP), SP; MOVQ $0, 8(SP); MOVQ $(n), 0(SP); JMP ·trapCommon(SB)
#define ERR_STUB(n) \
	PCALIGN $const_vectorStubSize; LEAQ -8(SP), SP; MOVQ $(n), 0(SP); JMP ·trapCommon(SB)
#define STUB8(n) \
	STUB(n); STUB(n+1); STUB(n+2); STUB(n+3); STUB(n+4); STUB(n+5); STUB(n+6); STUB(n+7)
#define STUB32(n) \
	STUB8(n); STUB8(n+8); STUB8(n+16); STUB8(n+24)

// vectors holds the 256 entry stubs: vector n enters at vectors+32n.
TEXT ·vectors(SB),NOSPLIT|NOFRAME,$0
	// 0-31, the CPU's exceptions: an error code with 8 (double fault),
	// 10-14 (invalid TSS, segment not present, stack segment, general
	// protection, page fault), 17 (alignment check), 21 (control
	// protection), 29 (VMM communication) and 30 (security).
	STUB(0); STUB(1); STUB(2); STUB(3); STUB(4); STUB(5); STUB(6); STUB(7)
	ERR_STUB(8); STUB(9); ERR_STUB(10); ERR_STUB(11); ERR_STUB(12); ERR_STUB(13); ERR_STUB(14); STUB(15)
	STUB(16); ERR_STUB(17); STUB(18); STUB(19); STUB(20); ERR_STUB(21); STUB(22); STUB(23)
	STUB(24); STUB(25); STUB(26); STUB(27); STUB(28); ERR_STUB(29); ERR_STUB(30); STUB(31)
	// 32-255, interrupts.
	STUB32(32); STUB32(64); STUB32(96); STUB32(128); STUB32(160); STUB32(192); STUB32(224)

TEXT ·trapCommon(SB),NOSPLIT|NOFRAME,$0
	PUSH_GPRS
	CLD
	CMPQ ·trapState+trapRegs_depth(SB), $0
	JNE nested
	// From a thread: save it.
	MOVQ ·trapState+trapRegs_frame(SB), DI
	MOVQ SP, SI
	MOVQ $(trapFrame__size/8), CX
	REP; MOVSQ
	MOVQ ·trapState+trapRegs_fx(SB), AX
	FXSAVE64 (AX)
	MOVQ $1, ·trapState+trapRegs_depth(SB)
	LEAQ ·stacks+const_kernelStackTop(SB), SP
	LEAQ ·kernelTLS+8(SB), AX
	SET_FS_BASE
	CALL ·threadTrap(SB)
	JMP ·resume(SB)

	// From the kernel: on the trap stack, below the frame, kernelTrap's
	// argument at 0, the frame's address at 16 and the FXSAVE area at 32.
nested:
	MOVQ SP, BX
	LEAQ -576(SP), SP
	ANDQ $~15, SP
	MOVQ BX, 16(SP)
	FXSAVE64 32(SP)
	INCQ ·trapState+trapRegs_depth(SB)
	MOVQ BX, 0(SP)
	CALL ·kernelTrap(SB)
	DECQ ·trapState+trapRegs_depth(SB)
	FXRSTOR64 32(SP)
	MOVQ 16(SP), SP
	POP_GPRS
	IRETQ

// resume runs the current thread: restores its FS base, FPU/SSE state and
// registers and returns into it.
TEXT ·resume(SB),NOSPLIT|NOFRAME,$0
	MOVQ ·trapState+trapRegs_fsBase(SB), AX
	SET_FS_BASE
	MOVQ ·trapState+trapRegs_fx(SB), AX
	FXRSTOR64 (AX)
	MOVQ $0, ·trapState+trapRegs_depth(SB)
	MOVQ ·trapState+trapRegs_frame(SB), SP
	POP_GPRS
	IRETQ

// syscallEntry is LSTAR: SYSCALL from the app (ring 0 to ring 0, so no stack
// switch and no SYSRET) with interrupts masked by FMASK. RCX holds the return
// address and R11 the flags. It writes at the trap stack's top what a stub
// and the CPU would have: the frame from Vector up, SP at Vector.
#define SYSCALL_FRAME (trapFrame__size-trapFrame_Vector)
TEXT ·syscallEntry(SB),NOSPLIT|NOFRAME,$0
	MOVQ SP, ·trapState+trapRegs_scratchSP(SB)
	LEAQ ·stacks+const_trapStackTop-SYSCALL_FRAME(SB), SP
	MOVQ $const_kernelDS, trapFrame_SS-trapFrame_Vector(SP)
	MOVQ R11, trapFrame_RFLAGS-trapFrame_Vector(SP)
	MOVQ ·trapState+trapRegs_scratchSP(SB), R11
	MOVQ R11, trapFrame_RSP-trapFrame_Vector(SP)
	MOVQ $const_kernelCS, trapFrame_CS-trapFrame_Vector(SP)
	MOVQ CX, trapFrame_RIP-trapFrame_Vector(SP)
	MOVQ $0, trapFrame_ErrorCode-trapFrame_Vector(SP)
	MOVQ $const_vectorSyscall, 0(SP)
	JMP ·trapCommon(SB)

// Addresses of assembly symbols, for the Go side of the kernel.
TEXT ·vectorsAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ ·vectors(SB), AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·syscallEntryAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ ·syscallEntry(SB), AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·stacksAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ ·stacks(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// rt0Addr is the Go runtime's Linux entry point: where the first thread starts.
TEXT ·rt0Addr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ _rt0_amd64_linux(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// imageEndAddr is the end of the image's BSS.
TEXT ·imageEndAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ runtime·end(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// startFirstThread leaves the boot stack for the current thread for good.
TEXT ·startFirstThread(SB),NOSPLIT|NOFRAME,$0
	JMP ·resume(SB)
