package cpu

// Device access beyond byte ports, for the PCI configuration space and for
// virtio: registers in memory-mapped I/O and rings in memory shared with a
// device. Each access is a separate assembly call, so it is made exactly
// once, with exactly its width, in program order: the compiler can neither
// merge, drop nor reorder it (x86 keeps stores in order and loads in order).

// Inl reads 32 bits from an I/O port.
func Inl(port uint16) uint32

// Pause hints the CPU that it is spinning (PAUSE).
func Pause()

// Fence orders every earlier load and store before every later one
// (MFENCE): x86 may otherwise let a load pass an earlier store, which a
// driver must prevent when it writes a ring flag and then reads what the
// device wrote (the device runs on another host CPU).
func Fence()

// Read8 reads one byte at a kernel virtual address.
func Read8(addr uintptr) uint8

// Read16 reads 16 bits at a kernel virtual address.
func Read16(addr uintptr) uint16

// Read32 reads 32 bits at a kernel virtual address.
func Read32(addr uintptr) uint32

// Read64 reads 64 bits at a kernel virtual address.
func Read64(addr uintptr) uint64

// Write8 writes one byte at a kernel virtual address.
func Write8(addr uintptr, v uint8)

// Write16 writes 16 bits at a kernel virtual address.
func Write16(addr uintptr, v uint16)

// Write32 writes 32 bits at a kernel virtual address.
func Write32(addr uintptr, v uint32)

// Write64 writes 64 bits at a kernel virtual address.
func Write64(addr uintptr, v uint64)
