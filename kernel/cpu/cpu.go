// Package cpu wraps the x86-64 instructions and registers the kernel needs:
// port I/O, MSRs, control registers, CPUID, the TSC and the descriptor tables.
// Everything here is safe on trap paths: no allocation, no locks.
package cpu

// Outb writes one byte to an I/O port.
func Outb(port uint16, val uint8)

// Inb reads one byte from an I/O port.
func Inb(port uint16) uint8

// Outl writes 32 bits to an I/O port.
func Outl(port uint16, val uint32)

// Rdmsr reads a model-specific register.
func Rdmsr(msr uint32) uint64

// Wrmsr writes a model-specific register.
func Wrmsr(msr uint32, val uint64)

// Rdtsc reads the time-stamp counter.
func Rdtsc() uint64

// Rdrand returns a hardware random number; ok is false when the CPU had none ready.
func Rdrand() (v uint64, ok bool)

// Rdseed returns a hardware entropy sample; ok is false when none was ready.
func Rdseed() (v uint64, ok bool)

// Cpuid executes CPUID for a leaf and sub-leaf.
func Cpuid(leaf, sub uint32) (a, b, c, d uint32)

func ReadCR0() uint64
func ReadCR2() uint64
func ReadCR3() uint64
func WriteCR3(v uint64)
func ReadCR4() uint64

// Invlpg drops the TLB entry for one virtual address.
func Invlpg(addr uintptr)

func Lgdt(desc uintptr)
func Lidt(desc uintptr)
func Ltr(sel uint16)

// ReloadSegments reloads CS and the data segment registers from the current GDT.
func ReloadSegments()

// Model-specific registers used by the kernel.
const (
	MSREFER   = 0xC0000080
	MSRSTAR   = 0xC0000081
	MSRLSTAR  = 0xC0000082
	MSRFMASK  = 0xC0000084
	MSRFSBase = 0xC0000100
	MSRGSBase = 0xC0000101
)

// HasRDRAND and HasRDSEED report the CPUID feature bits.
func HasRDRAND() bool {
	_, _, c, _ := Cpuid(1, 0)
	return c&(1<<30) != 0
}

func HasRDSEED() bool {
	_, b, _, _ := Cpuid(7, 0)
	return b&(1<<18) != 0
}

// UnderTCG reports whether the CPU is QEMU's software emulation (TCG),
// which announces itself on CPUID's hypervisor leaf as "TCGTCGTCGTCG".
func UnderTCG() bool {
	if _, _, c, _ := Cpuid(1, 0); c&(1<<31) == 0 {
		return false // no hypervisor leaf
	}
	_, b, c, d := Cpuid(0x40000000, 0)
	return b == 0x54474354 && c == 0x43544743 && d == 0x47435447 // "TCGT", "CGTC", "GTCG"
}
