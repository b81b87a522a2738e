package memory

// The program break (brk) of an unmodified executable: anonymous memory
// from the end of its highest segment, grown and shrunk by brk(2). A Go
// app's runtime never asks for it, and has none.
var brk struct{ start, cur uintptr }

// SetBrk starts the break at start (page-aligned), where the loader put
// the end of the program.
func SetBrk(start uintptr) { brk.start, brk.cur = start, start }

// Brk implements brk(2): it moves the break to addr when it can and returns
// the break, old or new (Linux's answer, never an error number). Growing
// stops at anything already mapped: the kernel image, a fixed mapping.
func Brk(addr uintptr) uintptr {
	if brk.start == 0 || addr < brk.start {
		return brk.cur
	}
	oldEnd, newEnd := pageUp(brk.cur), pageUp(addr)
	switch {
	case newEnd > oldEnd:
		if Mmap(oldEnd, newEnd-oldEnd, ProtRead|ProtWrite, MapPrivate|MapAnonymous|MapFixedNoReplace, 0, 0) < 0 {
			return brk.cur
		}
	case newEnd < oldEnd:
		Munmap(newEnd, oldEnd-newEnd)
	}
	brk.cur = addr
	return addr
}
