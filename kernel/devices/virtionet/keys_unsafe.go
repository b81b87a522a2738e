package virtionet

import "unsafe"

// waiters gives the threads blocked on the card two wait channels: kernel
// addresses, which no futex of the app can name.
var waiters [2]byte

// RecvKey is the wait channel of threads waiting for a frame.
func RecvKey() uintptr { return uintptr(unsafe.Pointer(&waiters[0])) }

// SendKey is the wait channel of threads waiting for a transmit buffer.
func SendKey() uintptr { return uintptr(unsafe.Pointer(&waiters[1])) }
