package threads

import "unsafe"

// FX returns the 16-byte-aligned FXSAVE area of the thread.
func (t *Thread) FX() uintptr {
	return (uintptr(unsafe.Pointer(&t.fxBuf)) + 15) &^ 15
}

// FXBytes returns the thread's 512-byte FXSAVE image.
func (t *Thread) FXBytes() *[512]byte {
	return (*[512]byte)(unsafe.Add(unsafe.Pointer(&t.fxBuf), t.FX()-uintptr(unsafe.Pointer(&t.fxBuf))))
}

// FrameAddr returns the address of the thread's saved registers.
func (t *Thread) FrameAddr() uintptr { return uintptr(unsafe.Pointer(&t.Frame)) }

// InitFX gives a new thread the default x87/SSE state (all exceptions masked).
func (t *Thread) InitFX() {
	fx := t.FXBytes()
	clear(fx[:])
	fx[0], fx[1] = 0x7f, 0x03              // FCW 0x037f
	fx[24], fx[25] = 0x80, 0x1f            // MXCSR 0x1f80
	fx[28], fx[29], fx[30] = 0xff, 0xff, 0 // MXCSR_MASK
}
