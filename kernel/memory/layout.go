// Package memory owns physical pages, the page tables and the app's virtual
// address space (mmap and friends). The whole VM is one address space: the
// kernel image is mapped at its physical address, all RAM is also mapped at
// DirectMapBase so the kernel can reach any physical page, and everything the
// app maps is backed lazily: a page gets RAM the first time it is touched.
package memory

// PageSize is the only page size the app sees.
const PageSize = 4096

// DirectMapBase is where all physical memory is mapped (2 MiB pages). It sits
// far from the Go heap's address hints (0x00c0<<32 and up, 1 TiB apart).
const DirectMapBase uintptr = 0x0000_4000_0000_0000

// mmapBase is where mappings without an address hint are placed, growing up.
const mmapBase uintptr = 0x0000_1000_0000_0000

// userTop is the end of the canonical lower half; nothing is mapped above.
const userTop uintptr = 0x0000_7fff_ffff_f000

// Page-table entry bits.
const (
	ptePresent  = 1 << 0
	pteWritable = 1 << 1
	pteWriteThr = 1 << 3
	pteNoCache  = 1 << 4
	pteAccessed = 1 << 5
	pteDirty    = 1 << 6
	pteHuge     = 1 << 7
	pteGlobal   = 1 << 8
	pteNoExec   = 1 << 63
	pteAddrMask = 0x000f_ffff_ffff_f000
)

// Protection bits, as in mmap's prot argument.
const (
	ProtRead  = 0x1
	ProtWrite = 0x2
	ProtExec  = 0x4
)

func pageDown(a uintptr) uintptr { return a &^ (PageSize - 1) }
func pageUp(a uintptr) uintptr   { return (a + PageSize - 1) &^ (PageSize - 1) }
