package syscalls

import "unsafe"

// faultOnPurpose touches an unmapped address in kernel mode, so tests can see
// the kernel's crash report (boot option debug.kernelfault).
//
//go:noinline
func faultOnPurpose() {
	*(*uint64)(unsafe.Add(nil, uintptr(0xdead0000))) = 1
}
