package netcalls

import (
	"unsafe"

	"unigo.dev/unigo/kernel/sockets"
)

// bounce carries sendfile's bytes from a file to a socket's ring. One
// call uses it at a time (system calls run one at a time), and it holds
// no pointers.
var bounce [16 << 10]byte

// bounceIOV is a gather list of the first n bytes of bounce.
func bounceIOV(n int) sockets.IOV {
	var v sockets.IOV
	v.N, v.Base[0], v.Len[0] = 1, uintptr(unsafe.Pointer(&bounce[0])), uintptr(n)
	return v
}
