package netstack

import (
	"syscall"
	"unsafe"

	"unigo.dev/unigo/kernel/privcalls"
)

// The kernel's private calls for the socket layer (package privcalls).
// NetCtl and NetIO never block, so they are raw system calls: the Go
// scheduler need not hand the P away around them.

// attach makes this program the network stack and returns the work
// descriptor. Outside a unigo VM (go test on the host) it fails with
// ENOSYS.
func attach() (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(privcalls.NetAttach, 0, 0, 0)
	return int(r), e
}

// ctl runs a privcalls.NetCtl operation.
func ctl(sock uint32, op int, arg int64, buf []byte) (int64, syscall.Errno) {
	r, _, e := syscall.RawSyscall6(privcalls.NetCtl, uintptr(sock), uintptr(op), uintptr(arg),
		uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), 0)
	return int64(r), e
}

// netio runs a privcalls.NetIO operation.
func netio(sock uint32, op int, buf, addr []byte) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall6(privcalls.NetIO, uintptr(sock), uintptr(op),
		uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)),
		uintptr(unsafe.Pointer(unsafe.SliceData(addr))), uintptr(len(addr)))
	return int(r), e
}

// nicInfo reads the card's MAC address, MTU and link state
// (privcalls.NICInfo). ENODEV: the VM has no card.
func nicInfo(buf *[privcalls.InfoSize]byte) syscall.Errno {
	_, _, e := syscall.RawSyscall(privcalls.NICInfo, uintptr(unsafe.Pointer(buf)), 0, 0)
	return e
}

// nicOpen returns the card's receive descriptor (privcalls.NICOpen).
func nicOpen() (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(privcalls.NICOpen, 0, 0, 0)
	return int(r), e
}

// nicSend queues one Ethernet frame. It blocks while every transmit buffer
// is with the card (rare), so it is an ordinary system call: the runtime
// may hand the P to another thread meanwhile.
func nicSend(frame []byte) syscall.Errno {
	for {
		_, _, e := syscall.Syscall(privcalls.NICSend, uintptr(unsafe.Pointer(unsafe.SliceData(frame))), uintptr(len(frame)), 0)
		if e != syscall.EINTR {
			return e
		}
	}
}

// netResolv gives /etc/resolv.conf new contents (privcalls.NetResolv).
// EEXIST: the file is the image's or the host's, and stays.
func netResolv(text []byte) syscall.Errno {
	_, _, e := syscall.RawSyscall(privcalls.NetResolv, uintptr(unsafe.Pointer(unsafe.SliceData(text))), uintptr(len(text)), 0)
	return e
}
