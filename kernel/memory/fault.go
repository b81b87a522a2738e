package memory

import "unigo.dev/unigo/kernel/cpu"

// FaultResult says what the page-fault handler did.
type FaultResult int

const (
	FaultMapped     FaultResult = iota // a page was mapped: retry the access
	FaultNoRegion                      // nothing is mapped there: SIGSEGV (SEGV_MAPERR)
	FaultProtection                    // the mapping forbids the access: SIGSEGV (SEGV_ACCERR)
	FaultNoMemory                      // out of RAM
	FaultPastEOF                       // a file mapping past the file's end: SIGBUS (BUS_ADRERR)
)

// HandleFault backs the page containing addr when a mapping allows the
// access: with a zeroed page for anonymous memory, with the file's page
// for a file mapping. Trap path: no allocation. Anonymous faults (the
// kernel's BSS among them) touch nothing outside mm and the region list.
func HandleFault(addr uintptr, write, exec bool) FaultResult {
	mm.faults++
	r := regions.find(addr)
	if r == nil {
		return FaultNoRegion
	}
	if r.prot == 0 || write && r.prot&ProtWrite == 0 || exec && r.prot&ProtExec == 0 {
		return FaultProtection
	}
	v := pageDown(addr)
	e := walk(v, true)
	if e == nil {
		return FaultNoMemory
	}
	if r.ino != 0 {
		return fileFault(r, v, e, write)
	}
	if *e&ptePresent != 0 {
		return FaultProtection // present but the access was refused
	}
	p := mm.frames.alloc()
	if p == 0 {
		return FaultNoMemory
	}
	*e = uint64(p) | leafFlags(uint32(r.prot))
	return FaultMapped
}

// fileFault backs page v of file region r, whose entry is e. A private
// mapping gets its own copy of the file's page; a shared one maps the
// file's page (filepages.go), writable once written.
func fileFault(r *region, v uintptr, e *uint64, write bool) FaultResult {
	pgoff := r.fileOffset(v) / PageSize
	if *e&ptePresent != 0 {
		if !write || *e&pteFilePage == 0 || *e&pteWritable != 0 || r.prot&ProtWrite == 0 {
			return FaultProtection
		}
		markDirty(r.ino, pgoff) // first write since the page was clean
		*e |= pteWritable | pteDirty
		cpu.Invlpg(v)
		return FaultMapped
	}
	if !r.shared {
		p := mm.frames.alloc()
		if p == 0 {
			return FaultNoMemory
		}
		if !FileFill(r.ino, pgoff*PageSize, PageBytes(p)) {
			mm.frames.release(p)
			return FaultPastEOF
		}
		*e = uint64(p) | leafFlags(uint32(r.prot))
		return FaultMapped
	}
	p, borrowed, full := sharedPage(r.ino, pgoff)
	switch {
	case full:
		return FaultNoMemory
	case p == 0:
		return FaultPastEOF
	}
	if borrowed { // the file's own page: nothing to track
		*e = uint64(p) | leafFlags(uint32(r.prot)) | pteFilePage
		return FaultMapped
	}
	flags := leafFlags(uint32(r.prot))&^(pteWritable|pteDirty) | pteFilePage
	if write {
		markDirty(r.ino, pgoff)
		flags |= pteWritable | pteDirty
	}
	*e = uint64(p) | flags
	return FaultMapped
}

// CheckUser makes sure [addr, addr+n) may be accessed by the kernel on the
// app's behalf (for writing when write is set), mapping pages as needed, so
// that system calls never fault on a bad pointer: they return EFAULT.
func CheckUser(addr, n uintptr, write bool) bool {
	if n == 0 {
		return true
	}
	end := addr + n
	if end < addr || end > userTop || addr < PageSize || notUser(addr, end) {
		return false
	}
	for v := pageDown(addr); v < end; v += PageSize {
		if e := walk(v, false); e != nil && *e&ptePresent != 0 && (!write || *e&pteWritable != 0) {
			continue
		}
		if HandleFault(v, write, false) != FaultMapped {
			return false
		}
	}
	return true
}

// Faults returns how many page faults the kernel has handled.
func Faults() int { return mm.faults }
