package abi

import (
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
)

// UserBytes returns the app's memory [addr, addr+n) after checking that it is
// mapped (and writable when write is set): bad pointers give EFAULT, never a
// kernel fault.
func UserBytes(addr, n uintptr, write bool) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	if !memory.CheckUser(addr, n, write) {
		return nil, false
	}
	return unsafe.Slice((*byte)(unsafe.Add(nil, addr)), n), true
}

// PutU64 stores a 64-bit value in the app's memory.
func PutU64(addr uintptr, v uint64) bool {
	if !memory.CheckUser(addr, 8, true) {
		return false
	}
	*(*uint64)(unsafe.Add(nil, addr)) = v
	return true
}

// GetU64 reads a 64-bit value from the app's memory.
func GetU64(addr uintptr) (uint64, bool) {
	if !memory.CheckUser(addr, 8, false) {
		return 0, false
	}
	return *(*uint64)(unsafe.Add(nil, addr)), true
}

// GetU32 reads a 32-bit value from the app's memory.
func GetU32(addr uintptr) (uint32, bool) {
	if !memory.CheckUser(addr, 4, false) {
		return 0, false
	}
	return *(*uint32)(unsafe.Add(nil, addr)), true
}

// PutU32 stores a 32-bit value in the app's memory.
func PutU32(addr uintptr, v uint32) bool {
	if !memory.CheckUser(addr, 4, true) {
		return false
	}
	*(*uint32)(unsafe.Add(nil, addr)) = v
	return true
}

// AddrOf is the address of a kernel byte, used as a wait-channel key.
func AddrOf(b *byte) uintptr { return uintptr(unsafe.Pointer(b)) }

// GetTimespec reads a struct timespec as nanoseconds (false: a bad address
// or value); seconds past what int64 nanoseconds hold are clamped.
func GetTimespec(addr uintptr) (int64, bool) {
	sec, ok1 := GetU64(addr)
	nsec, ok2 := GetU64(addr + 8)
	if !ok1 || !ok2 || int64(nsec) < 0 || nsec >= 1e9 || int64(sec) < 0 {
		return 0, false
	}
	const maxSec = (1 << 62) / 1_000_000_000
	if sec > maxSec {
		sec = maxSec
	}
	return int64(sec)*1e9 + int64(nsec), true
}
