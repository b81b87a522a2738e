#include "textflag.h"

// Privileged and special instructions the kernel needs from Go. Each is a
// leaf: no stack frame, callable on any trap path.

TEXT ·Outb(SB),NOSPLIT|NOFRAME,$0-3
	MOVW port+0(FP), DX
	MOVB val+2(FP), AX
	OUTB
	RET

TEXT ·Inb(SB),NOSPLIT|NOFRAME,$0-9
	MOVW port+0(FP), DX
	XORL AX, AX
	INB
	MOVB AX, ret+8(FP)
	RET

TEXT ·Outl(SB),NOSPLIT|NOFRAME,$0-8
	MOVW port+0(FP), DX
	MOVL val+4(FP), AX
	OUTL
	RET

TEXT ·Rdmsr(SB),NOSPLIT|NOFRAME,$0-16
	MOVL msr+0(FP), CX
	RDMSR
	SHLQ $32, DX
	ORQ DX, AX
	MOVQ AX, ret+8(FP)
	RET

TEXT ·Wrmsr(SB),NOSPLIT|NOFRAME,$0-16
	MOVL msr+0(FP), CX
	MOVQ val+8(FP), AX
	MOVQ AX, DX
	SHRQ $32, DX
	WRMSR
	RET

TEXT ·Rdtsc(SB),NOSPLIT|NOFRAME,$0-8
	RDTSC
	SHLQ $32, DX
	ORQ DX, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·Rdrand(SB),NOSPLIT|NOFRAME,$0-9
	// RDRAND AX; sets CF on success.
	BYTE $0x48; BYTE $0x0f; BYTE $0xc7; BYTE $0xf0
	SETCS ok+8(FP)
	MOVQ AX, v+0(FP)
	RET

TEXT ·Rdseed(SB),NOSPLIT|NOFRAME,$0-9
	// RDSEED AX; sets CF on success.
	BYTE $0x48; BYTE $0x0f; BYTE $0xc7; BYTE $0xf8
	SETCS ok+8(FP)
	MOVQ AX, v+0(FP)
	RET

TEXT ·Cpuid(SB),NOSPLIT|NOFRAME,$0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

TEXT ·ReadCR0(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ CR0, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·ReadCR2(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ CR2, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·ReadCR3(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ CR3, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·WriteCR3(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ v+0(FP), AX
	MOVQ AX, CR3
	RET

TEXT ·ReadCR4(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ CR4, AX
	MOVQ AX, ret+0(FP)
	RET

TEXT ·Invlpg(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ addr+0(FP), AX
	INVLPG (AX)
	RET

TEXT ·Lgdt(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ desc+0(FP), AX
	LGDT (AX)
	RET

TEXT ·Lidt(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ desc+0(FP), AX
	LIDT (AX)
	RET

TEXT ·Ltr(SB),NOSPLIT|NOFRAME,$0-2
	MOVW sel+0(FP), AX
	LTR AX
	RET

// ReloadSegments makes CS=0x08 and the data segments 0x10 after a new GDT.
TEXT ·ReloadSegments(SB),NOSPLIT|NOFRAME,$0
	MOVL $0x10, AX
	MOVW AX, DS
	MOVW AX, ES
	MOVW AX, SS
	// Far return into the same code with CS=0x08.
	POPQ AX
	PUSHQ $0x08
	PUSHQ AX
	BYTE $0x48; BYTE $0xcb // LRETQ
