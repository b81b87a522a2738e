package hostnet

import (
	"syscall"
	"unsafe"
)

// tunSetIFF attaches the /dev/net/tun descriptor fd to interface name
// (TUNSETIFF with a struct ifreq: the name, then the flags).
func tunSetIFF(fd uintptr, name string, flags uint16) syscall.Errno {
	var req struct {
		name  [16]byte
		flags uint16
		_     [22]byte
	}
	copy(req.name[:15], name)
	req.flags = flags
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, tunSetIff, uintptr(unsafe.Pointer(&req)))
	return errno
}
