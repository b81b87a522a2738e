package syscalls

import (
	"unigo.dev/unigo/kernel/devices/serial"
)

// The app's standard streams: stdout on COM1, stderr on COM2; stdin reads
// end-of-file until the console gains input.
func consoleFor(fd int) (serial.Port, bool) {
	switch fd {
	case 1:
		return serial.COM1, true
	case 2:
		return serial.COM2, true
	}
	return 0, false
}

func read(fd int, buf, n uintptr) int64 {
	if fd == 0 {
		return 0
	}
	if fd == 1 || fd == 2 {
		return -EBADF
	}
	return -EBADF
}

func write(fd int, buf, n uintptr) int64 {
	if KernelFault {
		faultOnPurpose()
	}
	p, ok := consoleFor(fd)
	if !ok {
		return -EBADF
	}
	b, ok := userBytes(buf, n, false)
	if !ok {
		return -EFAULT
	}
	p.Write(b)
	return int64(n)
}

func writev(fd int, iov uintptr, cnt int) int64 {
	p, ok := consoleFor(fd)
	if !ok {
		return -EBADF
	}
	if cnt < 0 || cnt > 1024 {
		return -EINVAL
	}
	var total int64
	for i := 0; i < cnt; i++ {
		base, ok1 := getU64(iov + uintptr(i)*16)
		n, ok2 := getU64(iov + uintptr(i)*16 + 8)
		if !ok1 || !ok2 {
			return -EFAULT
		}
		b, ok := userBytes(uintptr(base), uintptr(n), false)
		if !ok {
			return -EFAULT
		}
		p.Write(b)
		total += int64(n)
	}
	return total
}

func isStdio(fd int) bool { return fd >= 0 && fd <= 2 }

func closeFD(fd int) int64 {
	if isStdio(fd) {
		return 0
	}
	return -EBADF
}

// fstat describes the standard streams as character devices.
func fstat(fd int, st uintptr) int64 {
	if !isStdio(fd) {
		return -EBADF
	}
	b, ok := userBytes(st, 144, true)
	if !ok {
		return -EFAULT
	}
	clear(b)
	const sIFCHR = 0o020000
	mode := uint32(sIFCHR | 0o620)
	b[24], b[25], b[26], b[27] = byte(mode), byte(mode>>8), byte(mode>>16), byte(mode>>24) // st_mode
	b[16] = 1                                                                              // st_nlink
	b[56] = 0x04                                                                           // st_blksize 1024
	return 0
}

func ioctl(fd int, req uint64) int64 {
	if !isStdio(fd) {
		return -EBADF
	}
	return -ENOTTY // the console is a serial line, not a terminal
}

// fcntl answers for the standard streams: the runtime checks them at start.
func fcntl(fd, cmd int) int64 {
	if !isStdio(fd) {
		return -EBADF
	}
	const (
		fGetFD = 1
		fSetFD = 2
		fGetFL = 3
		fSetFL = 4
		oRDWR  = 2
	)
	switch cmd {
	case fGetFD, fSetFD, fSetFL:
		return 0
	case fGetFL:
		return oRDWR
	}
	return -EINVAL
}
