package memory

// FaultResult says what the page-fault handler did.
type FaultResult int

const (
	FaultMapped     FaultResult = iota // a page was mapped: retry the access
	FaultNoRegion                      // nothing is mapped there: SIGSEGV (SEGV_MAPERR)
	FaultProtection                    // the mapping forbids the access: SIGSEGV (SEGV_ACCERR)
	FaultNoMemory                      // out of RAM
)

// HandleFault backs the page containing addr with a zeroed page when a
// mapping allows the access. Trap path: no allocation.
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
	if *e&ptePresent != 0 {
		return FaultProtection // present but the access was refused
	}
	p := mm.frames.alloc()
	if p == 0 {
		return FaultNoMemory
	}
	*e = uint64(p) | leafFlags(r.prot)
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
		if e := walk(v, false); e != nil && *e&ptePresent != 0 {
			if write && *e&pteWritable == 0 {
				return false
			}
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
