package main

import (
	"syscall"
	"unsafe"
)

// msync writes a shared mapping back (MS_SYNC).
func msync(b []byte) error {
	_, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 4)
	if e != 0 {
		return e
	}
	return nil
}
