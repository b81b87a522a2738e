// Package abi is what the system-call table (package syscalls) and the
// packages that decode its calls (filecalls, netcalls) share: Linux's
// x86-64 call numbers (numbers.go) and errno values (errno.go), the results
// a handler returns instead of a value (below), the little-endian fields of
// Linux's structures, and the app's memory, read and written only after a
// check (user_unsafe.go). Trap path: no allocation.
package abi

// Blocked is returned by a handler that put its thread to sleep: the result
// is written into the thread's RAX when it wakes.
const Blocked = -1 << 62

// KeepRAX is returned by rt_sigreturn, which restores RAX itself.
const KeepRAX = -1<<62 + 1

// Exits marks the calls that end the thread or the app.
const Exits = -1<<62 + 2

// Errno converts a memfs/vfs error (a positive errno, 0 for none) to a
// system-call result.
func Errno(e int) int64 { return -int64(e) }

// PutLE32 stores v little-endian in b[0:4].
func PutLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// PutLE64 stores v little-endian in b[0:8].
func PutLE64(b []byte, v uint64) {
	PutLE32(b, uint32(v))
	PutLE32(b[4:], uint32(v>>32))
}

// GetLE32 reads a little-endian b[0:4].
func GetLE32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// GetLE64 reads a little-endian b[0:8].
func GetLE64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}
