package memfs

import "unsafe"

// slots views a page of page numbers (an indirect page).
func slots(page uintptr) *[perPage]uintptr {
	return (*[perPage]uintptr)(unsafe.Pointer(pageAt(page)))
}
