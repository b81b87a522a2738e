package kernel

import (
	"unsafe"

	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/vdso"
)

// vdsoImage is the app's vDSO (package vdso). The non-zero initialiser
// keeps it in loaded data, so the runtime's first look at it never faults.
var vdsoImage = [vdso.Size]byte{0x7f}

// buildVDSO writes the vDSO and returns its address, for AT_SYSINFO_EHDR.
func buildVDSO() uintptr {
	at := uintptr(unsafe.Pointer(&vdsoImage))
	if !vdso.Build(vdsoImage[:], uint64(clock.VDSOClockGettimeAddr()-at)) {
		return 0
	}
	return at
}
