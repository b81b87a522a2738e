package clock

import "unsafe"

// The offsets vdso_amd64.s reads state's fields at.
const (
	_ = uint(unsafe.Offsetof(state.nsPerTSC) - 8)
	_ = uint(8 - unsafe.Offsetof(state.nsPerTSC))
	_ = uint(unsafe.Offsetof(state.tsc0) - 16)
	_ = uint(16 - unsafe.Offsetof(state.tsc0))
	_ = uint(unsafe.Offsetof(state.wall0) - 24)
	_ = uint(24 - unsafe.Offsetof(state.wall0))
)

// vdsoClockGettime is clock_gettime for the app, without a system call; it
// follows the System V ABI, not Go's, and is never called from Go.
func vdsoClockGettime()

// VDSOClockGettimeAddr returns vdsoClockGettime's address, for the vDSO's
// symbol table.
func VDSOClockGettimeAddr() uintptr
