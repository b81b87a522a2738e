#include "textflag.h"

// Kernel entry and exit: interrupts, exceptions and system calls.
//
// Every entry builds a threads.Frame (general registers, vector, error code
// and the IRETQ frame) on the trap stack. From a thread (trapState.depth 0)
// the frame and the FPU/SSE state are copied into the current thread and the
// Go handler runs on the kernel stack; the exit then restores whichever
// thread is current by then. From the kernel itself (depth > 0: a page fault
// on kernel data, or an interrupt while idle) the handler runs on the trap
// stack and returns to the interrupted kernel code.

// trapState (declared in trapstate.go): 0 frame of the current thread, 8 its FXSAVE area, 16 its FS
// base, 24 depth (1 while booting), 32 scratch for the syscall entry's RSP.

// The stacks: kernel stack [0, 64K), trap stack (IST1) [64K, 80K), double-fault
// stack (IST2) [80K, 84K). One symbol, so the kernel's g bounds cover all three.
GLOBL ·stacks(SB), NOPTR, $86016
DATA ·stacks+0(SB)/8, $0x6b63617473 // keeps the stacks in the loaded image

#define PUSH_GPRS \
	LEAQ -120(SP), SP; \
	MOVQ AX, 112(SP); MOVQ BX, 104(SP); MOVQ CX, 96(SP); MOVQ DX, 88(SP); \
	MOVQ SI, 80(SP); MOVQ DI, 72(SP); MOVQ BP, 64(SP); MOVQ R8, 56(SP); \
	MOVQ R9, 48(SP); MOVQ R10, 40(SP); MOVQ R11, 32(SP); MOVQ R12, 24(SP); \
	MOVQ R13, 16(SP); MOVQ R14, 8(SP); MOVQ R15, 0(SP)

// POP_GPRS also drops the vector and error code: SP ends at the IRETQ frame.
#define POP_GPRS \
	MOVQ 112(SP), AX; MOVQ 104(SP), BX; MOVQ 96(SP), CX; MOVQ 88(SP), DX; \
	MOVQ 80(SP), SI; MOVQ 72(SP), DI; MOVQ 64(SP), BP; MOVQ 56(SP), R8; \
	MOVQ 48(SP), R9; MOVQ 40(SP), R10; MOVQ 32(SP), R11; MOVQ 24(SP), R12; \
	MOVQ 16(SP), R13; MOVQ 8(SP), R14; MOVQ 0(SP), R15; \
	LEAQ 136(SP), SP

// SET_FS_BASE sets the FS base to AX (clobbers CX, DX).
#define SET_FS_BASE \
	MOVQ AX, DX; SHRQ $32, DX; MOVL $0xc0000100, CX; WRMSR

// vectors holds 256 entry stubs, 32 bytes apart: vector n enters at vectors+32n.
// Stack adjustments use LEAQ and MOVQ, not PUSHQ/SUBQ, so that the linker's
// nosplit accounting (meant for goroutine stacks) does not apply to trap stacks.
TEXT ·vectors(SB),NOSPLIT|NOFRAME,$0
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $0, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $1, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $2, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $3, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $4, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $5, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $6, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $7, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $8, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $9, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $10, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $11, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $12, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $13, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $14, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $15, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $16, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $17, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $18, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $19, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $20, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $21, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $22, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $23, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $24, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $25, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $26, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $27, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $28, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $29, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -8(SP), SP
	MOVQ $30, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $31, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $32, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $33, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $34, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $35, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $36, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $37, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $38, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $39, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $40, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $41, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $42, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $43, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $44, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $45, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $46, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $47, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $48, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $49, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $50, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $51, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $52, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $53, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $54, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $55, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $56, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $57, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $58, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $59, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $60, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $61, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $62, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $63, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $64, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $65, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $66, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $67, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $68, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $69, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $70, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $71, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $72, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $73, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $74, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $75, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $76, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $77, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $78, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $79, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $80, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $81, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $82, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $83, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $84, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $85, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $86, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $87, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $88, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $89, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $90, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $91, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $92, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $93, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $94, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $95, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $96, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $97, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $98, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $99, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $100, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $101, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $102, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $103, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $104, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $105, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $106, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $107, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $108, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $109, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $110, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $111, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $112, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $113, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $114, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $115, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $116, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $117, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $118, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $119, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $120, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $121, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $122, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $123, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $124, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $125, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $126, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $127, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $128, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $129, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $130, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $131, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $132, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $133, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $134, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $135, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $136, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $137, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $138, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $139, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $140, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $141, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $142, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $143, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $144, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $145, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $146, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $147, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $148, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $149, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $150, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $151, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $152, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $153, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $154, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $155, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $156, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $157, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $158, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $159, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $160, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $161, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $162, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $163, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $164, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $165, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $166, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $167, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $168, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $169, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $170, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $171, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $172, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $173, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $174, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $175, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $176, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $177, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $178, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $179, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $180, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $181, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $182, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $183, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $184, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $185, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $186, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $187, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $188, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $189, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $190, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $191, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $192, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $193, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $194, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $195, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $196, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $197, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $198, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $199, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $200, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $201, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $202, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $203, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $204, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $205, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $206, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $207, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $208, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $209, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $210, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $211, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $212, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $213, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $214, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $215, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $216, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $217, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $218, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $219, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $220, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $221, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $222, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $223, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $224, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $225, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $226, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $227, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $228, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $229, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $230, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $231, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $232, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $233, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $234, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $235, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $236, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $237, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $238, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $239, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $240, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $241, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $242, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $243, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $244, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $245, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $246, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $247, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $248, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $249, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $250, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $251, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $252, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $253, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $254, 0(SP)
	JMP ·trapCommon(SB)
	PCALIGN $32
	LEAQ -16(SP), SP
	MOVQ $0, 8(SP)
	MOVQ $255, 0(SP)
	JMP ·trapCommon(SB)

TEXT ·trapCommon(SB),NOSPLIT|NOFRAME,$0
	PUSH_GPRS
	CLD
	CMPQ ·trapState+24(SB), $0
	JNE nested
	// From a thread: save it.
	MOVQ ·trapState+0(SB), DI
	MOVQ SP, SI
	MOVQ $22, CX
	REP; MOVSQ
	MOVQ ·trapState+8(SB), AX
	FXSAVE64 (AX)
	MOVQ $1, ·trapState+24(SB)
	LEAQ ·stacks+65536(SB), SP
	LEAQ ·kernelTLS+8(SB), AX
	SET_FS_BASE
	CALL ·threadTrap(SB)
	JMP ·resume(SB)

nested:
	MOVQ SP, BX
	LEAQ -576(SP), SP
	ANDQ $~15, SP
	MOVQ BX, 16(SP)
	FXSAVE64 32(SP)
	INCQ ·trapState+24(SB)
	MOVQ BX, 0(SP)
	CALL ·kernelTrap(SB)
	DECQ ·trapState+24(SB)
	FXRSTOR64 32(SP)
	MOVQ 16(SP), SP
	POP_GPRS
	IRETQ

// resume runs the current thread: restores its FS base, FPU/SSE state and
// registers and returns into it.
TEXT ·resume(SB),NOSPLIT|NOFRAME,$0
	MOVQ ·trapState+16(SB), AX
	SET_FS_BASE
	MOVQ ·trapState+8(SB), AX
	FXRSTOR64 (AX)
	MOVQ $0, ·trapState+24(SB)
	MOVQ ·trapState+0(SB), SP
	POP_GPRS
	IRETQ

// syscallEntry is LSTAR: SYSCALL from the app (ring 0 to ring 0, so no stack
// switch and no SYSRET) with interrupts masked by FMASK. RCX holds the return
// address and R11 the flags.
TEXT ·syscallEntry(SB),NOSPLIT|NOFRAME,$0
	MOVQ SP, ·trapState+32(SB)
	LEAQ ·stacks+81864(SB), SP   // trap stack top - 7 words
	MOVQ $0x10, 48(SP)           // SS
	MOVQ R11, 32(SP)             // RFLAGS
	MOVQ ·trapState+32(SB), R11
	MOVQ R11, 40(SP)             // RSP
	MOVQ $0x08, 24(SP)           // CS
	MOVQ CX, 16(SP)              // RIP
	MOVQ $0, 8(SP)               // error code
	MOVQ $256, 0(SP)             // vector: system call
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
