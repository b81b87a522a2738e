// Package floorguest writes the smallest guest a unigo VMM can boot: a unigo
// image whose 32-bit PVH entry prints "floor\n" on COM1, reports "exit 0" on
// the control channel and powers off, with no kernel and no Go runtime.
//
// It lets the vmm package be tested in a real QEMU without the real kernel,
// and it is the "QEMU floor" of the boot benchmark: the time to boot it is
// the least any image can take on this machine.
package floorguest

import (
	"debug/elf"
	"encoding/binary"
	"fmt"

	"unigo.dev/unigo/image"
)

// Stdout is what the guest writes to COM1 (the app's stdout).
const Stdout = "floor\n"

// control is what the guest writes to the control channel: exit status 0.
const control = "exit 0\n"

// Guest memory layout: one page at the PVH load address, ELF headers first,
// then code, then the two messages.
const (
	loadAddr   = 0x100000
	codeOffset = 0x200
	dataOffset = 0x300
	fileSize   = 0x1000
)

// I/O ports of docs/boot-contract.md.
const (
	portCOM1    = 0x3f8
	portControl = 0x5f0
	portExit    = 0xf4
)

// Write writes the floor guest image to path (atomically).
func Write(path string) error {
	img, err := Image()
	if err != nil {
		return err
	}
	return image.WriteFile(path, img)
}

// Image returns the bytes of the floor guest image.
func Image() ([]byte, error) { return ImageWithRoot(nil) }

// ImageWithRoot is Image with root as its root file system archive
// (image.FromELFWithRootfs), for tests of how a VMM attaches one.
func ImageWithRoot(root []byte) ([]byte, error) {
	b := make([]byte, fileSize)
	le := binary.LittleEndian

	// ELF header: ELF64 little-endian x86-64 executable, one program header.
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	b[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	b[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	le.PutUint16(b[16:], uint16(elf.ET_EXEC))
	le.PutUint16(b[18:], uint16(elf.EM_X86_64))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(b[24:], loadAddr+codeOffset) // e_entry
	le.PutUint64(b[32:], 64)                  // e_phoff
	le.PutUint16(b[52:], 64)                  // e_ehsize
	le.PutUint16(b[54:], 56)                  // e_phentsize
	le.PutUint16(b[56:], 1)                   // e_phnum
	le.PutUint16(b[58:], 64)                  // e_shentsize

	// PT_LOAD: the whole file at loadAddr, read+execute.
	ph := b[64:]
	le.PutUint32(ph[0:], uint32(elf.PT_LOAD))
	le.PutUint32(ph[4:], uint32(elf.PF_R|elf.PF_X))
	le.PutUint64(ph[8:], 0)
	le.PutUint64(ph[16:], loadAddr)
	le.PutUint64(ph[24:], loadAddr)
	le.PutUint64(ph[32:], fileSize)
	le.PutUint64(ph[40:], fileSize)
	le.PutUint64(ph[48:], 0x1000)

	msg1 := uint32(loadAddr + dataOffset)
	msg2 := msg1 + uint32(len(Stdout))
	copy(b[dataOffset:], Stdout+control)
	copy(b[codeOffset:], code(msg1, msg2))

	img, err := image.FromELFWithRootfs(b, root)
	if err != nil {
		return nil, fmt.Errorf("floor guest: %w", err)
	}
	return img, nil
}

// code is the guest program, 32-bit protected mode, flat segments (the PVH
// entry state), hand-encoded:
//
//	cld
//	mov  dx, 0x3f8     ; COM1
//	mov  esi, msg1
//	mov  ecx, len(Stdout)
//	rep  outsb
//	mov  dx, 0x5f0     ; control channel
//	mov  esi, msg2
//	mov  ecx, len(control)
//	rep  outsb
//	mov  dx, 0xf4      ; isa-debug-exit
//	xor  eax, eax
//	out  dx, eax
//	halt: cli; hlt; jmp halt
func code(msg1, msg2 uint32) []byte {
	var c []byte
	imm16 := func(v uint16) { c = binary.LittleEndian.AppendUint16(c, v) }
	imm32 := func(v uint32) { c = binary.LittleEndian.AppendUint32(c, v) }

	c = append(c, 0xfc) // cld
	c = append(c, 0x66, 0xba)
	imm16(portCOM1) // mov dx, imm16
	c = append(c, 0xbe)
	imm32(msg1) // mov esi, imm32
	c = append(c, 0xb9)
	imm32(uint32(len(Stdout))) // mov ecx, imm32
	c = append(c, 0xf3, 0x6e)  // rep outsb
	c = append(c, 0x66, 0xba)
	imm16(portControl)
	c = append(c, 0xbe)
	imm32(msg2)
	c = append(c, 0xb9)
	imm32(uint32(len(control)))
	c = append(c, 0xf3, 0x6e)
	c = append(c, 0x66, 0xba)
	imm16(portExit)
	c = append(c, 0x31, 0xc0) // xor eax, eax
	c = append(c, 0xef)       // out dx, eax
	c = append(c, 0xfa)       // halt: cli
	c = append(c, 0xf4)       // hlt
	c = append(c, 0xeb, 0xfc) // jmp halt
	return c
}
