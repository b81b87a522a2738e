package vfs

import (
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
)

// setFileHooks gives package memory the file path of page faults:
// memory.FileFill = fillPage, memory.FileShare = sharePage. A func value
// of a top-level function points at a constant in the image's read-only
// data, which the collector never frees or moves, so the words are stored
// as plain integers: an ordinary assignment would take the GC's write
// barrier, which no kernel code may (e2e TestKernelNeverAllocates).
func setFileHooks() {
	fill, share := fillPage, sharePage
	*(*uintptr)(unsafe.Pointer(&memory.FileFill)) = *(*uintptr)(unsafe.Pointer(&fill))
	*(*uintptr)(unsafe.Pointer(&memory.FileShare)) = *(*uintptr)(unsafe.Pointer(&share))
}
