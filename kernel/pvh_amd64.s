#include "textflag.h"
#include "go_asm.h"

// The PVH entry point and the switch to 64-bit mode.
//
// QEMU (and any PVH loader) jumps to pvhEntry in 32-bit protected mode with
// paging off, flat segments and EBX = physical address of hvm_start_info.
// An app's image is linked at its physical address (text at 0x101000); the
// kernel image of unmodified executables is linked 1 GiB higher (text at
// 0x40101000, loaded at 0x101000: docs/exec-design.md), out of the way of
// programs linked at 0x400000. The 32-bit code runs at the physical address
// either way, and the boot page tables map the first 1 GiB both at 0 and at
// the link offset, so the far return lands on the linked address. The Go
// assembler only emits 64-bit code:
// the 32-bit part below uses only instructions whose encoding means the same
// in both modes, and finds its data without RIP-relative addressing.

// bootTable holds the absolute (linked) addresses the 32-bit code needs.
//   0: bootPageTables   8: bootTable itself   16: GDT pseudo-descriptor
//   (limit, base)   32: entry64
GLOBL ·bootTable(SB), NOPTR, $40
DATA ·bootTable+0(SB)/8, $·bootPageTables(SB)
DATA ·bootTable+8(SB)/8, $·bootTable(SB)
DATA ·bootTable+16(SB)/2, $23
DATA ·bootTable+18(SB)/8, $·bootGDT(SB)
DATA ·bootTable+32(SB)/8, $·entry64(SB)

// bootGDT: null, 64-bit code (0x08), data (0x10).
GLOBL ·bootGDT(SB), NOPTR, $24
DATA ·bootGDT+0(SB)/8, $0
DATA ·bootGDT+8(SB)/8, $0x00af9a000000ffff
DATA ·bootGDT+16(SB)/8, $0x00cf92000000ffff

// Temporary page tables (PML4, PDPT, PD at the first 4 KiB boundary inside):
// the first 1 GiB identity-mapped with 2 MiB pages, enough to run the Go code
// that builds the real tables. The linker does not page-align symbols.
GLOBL ·bootPageTables(SB), NOPTR, $16384
DATA ·bootPageTables+0(SB)/8, $1

// kernelG is the fake goroutine that kernel Go code runs as: only its stack
// bounds (lo, hi, stackguard0, stackguard1; offsets in trapstate.go) are
// read by function prologues.
GLOBL ·kernelG(SB), NOPTR, $512
DATA ·kernelG+const_gStackLo(SB)/8, $·stacks(SB)
DATA ·kernelG+const_gStackHi(SB)/8, $·stacks+const_stacksSize(SB)
DATA ·kernelG+const_gStackguard0(SB)/8, $·stacks+4096(SB)
DATA ·kernelG+const_gStackguard1(SB)/8, $·stacks+4096(SB)

// kernelTLS is what FS points at while the kernel runs: FS:-8 holds the g.
GLOBL ·kernelTLS(SB), NOPTR, $16
DATA ·kernelTLS+0(SB)/8, $·kernelG(SB)

TEXT ·pvhEntry(SB),NOSPLIT|NOFRAME,$0
	// 32-bit mode from here to the far return.
	CLI
	MOVL BX, SI                  // start_info, kept for Go
	MOVL $0x100f00, SP           // scratch stack inside the ELF header page
	BYTE $0xe8; LONG $0          // CALL next instruction
	BYTE $0x58                   // POPL AX: AX = address of this instruction
	LEAL ·bootTable(SB), BX      // 32-bit mode: BX = bootTable - (AX+7)
	ADDL AX, BX
	ADDL $7, BX                  // BX = &bootTable

	// DX = link offset (linked address - loaded address): 0 or 1 GiB.
	MOVL 8(BX), DX
	SUBL BX, DX

	// DI = PML4 = first page boundary in bootPageTables; PDPT and PD follow.
	MOVL 0(BX), DI
	SUBL DX, DI
	ADDL $4095, DI
	ANDL $0xfffff000, DI
	LEAL 4099(DI), AX            // PDPT | present | writable
	MOVL AX, 0(DI)
	MOVL $0, 4(DI)
	LEAL 8195(DI), AX            // PD | present | writable
	MOVL AX, 4096(DI)
	MOVL $0, 4100(DI)
	MOVL DX, CX                  // ... and at the link offset
	SHRL $30, CX
	MOVL AX, 4096(DI)(CX*8)
	MOVL $0, 4100(DI)(CX*8)
	ADDL $8192, DI
	// Fill the page directory: 512 x 2 MiB identity pages.
	XORL CX, CX
fill:
	MOVL CX, AX
	SHLL $21, AX
	ORL $0x83, AX
	MOVL AX, 0(DI)(CX*8)
	MOVL $0, 4(DI)(CX*8)
	INCL CX
	CMPL CX, $512
	JNE fill

	SUBL $8192, DI               // back to the PML4
	MOVQ DI, CR3
	MOVQ CR4, AX
	ORL $0x620, AX               // PAE, OSFXSR, OSXMMEXCPT
	MOVQ AX, CR4
	MOVL $0xc0000080, CX         // EFER: SCE, LME, NXE
	RDMSR
	ORL $0x901, AX
	WRMSR
	MOVQ CR0, AX
	ANDL $0x9ffffffb, AX         // clear EM, CD, NW
	ORL $0x80010023, AX          // PG, WP, NE, MP, PE
	MOVQ AX, CR0
	LGDT 16(BX)
	MOVL 32(BX), AX
	PUSHQ $0x08
	PUSHQ AX
	BYTE $0xcb                   // far return into 64-bit code

TEXT ·entry64(SB),NOSPLIT|NOFRAME,$0
	MOVL $0x10, AX
	MOVW AX, DS
	MOVW AX, ES
	MOVW AX, SS
	XORL AX, AX
	MOVW AX, FS
	MOVW AX, GS
	LEAQ ·stacks+const_kernelStackTop(SB), SP
	MOVL SI, SI                  // zero-extend start_info
	// FS base = &kernelTLS+8, so that FS:-8 is the kernel's g.
	LEAQ ·kernelTLS+8(SB), AX
	MOVQ AX, DX
	SHRQ $32, DX
	MOVL $0xc0000100, CX
	WRMSR
	XORPS X15, X15
	SUBQ $16, SP
	MOVQ SI, 0(SP)
	CALL ·kernelMain(SB)
	HLT
