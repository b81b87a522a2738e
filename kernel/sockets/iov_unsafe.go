package sockets

import "unsafe"

// IOV is a gather list of the app's buffers (readv, writev, sendmsg,
// recvmsg; one buffer for read and write), as addresses and lengths that
// the caller has checked with memory.CheckUser. It holds no pointers: a
// list of slices filled through a pointer would take the GC's write
// barrier, which the trap path must not.
type IOV struct {
	N    int
	Base [MaxIOV]uintptr
	Len  [MaxIOV]uintptr
	// More is set when the app gave more buffers than MaxIOV: a stream call
	// moves what the first MaxIOV hold (a short count), a datagram is refused.
	More bool
}

// MaxIOV bounds a gather list.
const MaxIOV = 64

// at returns buffer i.
func (v *IOV) at(i int) []byte {
	if v.Len[i] == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(nil, v.Base[i])), v.Len[i])
}

// total returns the bytes the list holds.
func (v *IOV) total() int {
	n := 0
	for i := 0; i < v.N; i++ {
		n += int(v.Len[i])
	}
	return n
}
