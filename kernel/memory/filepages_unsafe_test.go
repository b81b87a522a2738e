package memory

import "unsafe"

func unsafePointer(s *filePage) unsafe.Pointer { return unsafe.Pointer(s) }

const sizeofSlot = unsafe.Sizeof(filePage{})
