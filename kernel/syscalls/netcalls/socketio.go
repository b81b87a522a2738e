package netcalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// Moving bytes through sockets: read, write and their vector forms,
// send and receive with addresses and flags. Each is one operation of
// package sockets on a gather list of the app's buffers, so nothing is
// consumed before a call decides to wait (a waiting call runs again from
// the start).

// recv and send flags.
const (
	msgOOB      = 0x1
	msgPeek     = 0x2
	msgTrunc    = 0x20
	msgDontwait = 0x40
	msgNosignal = 0x4000
)

// oneBuf makes v a list of the single buffer [addr, addr+n) after
// checking it (write: the kernel writes into it).
func oneBuf(v *sockets.IOV, addr, n uintptr, write bool) bool {
	v.N, v.Base[0], v.Len[0] = 1, addr, n
	return n == 0 || memory.CheckUser(addr, n, write)
}

// loadIOV reads cnt struct iovec from the app at iov into v, checking each
// buffer (write: the kernel writes into them, receiving).
func loadIOV(v *sockets.IOV, iov uintptr, cnt int, write bool) int64 {
	if cnt < 0 || cnt > 1024 {
		return -abi.EINVAL
	}
	if cnt > sockets.MaxIOV {
		cnt, v.More = sockets.MaxIOV, true
	}
	v.N = 0
	for i := 0; i < cnt; i++ {
		base, ok1 := abi.GetU64(iov + uintptr(i)*16)
		n, ok2 := abi.GetU64(iov + uintptr(i)*16 + 8)
		if !ok1 || !ok2 || int64(n) < 0 {
			return -abi.EFAULT
		}
		if n != 0 && !memory.CheckUser(uintptr(base), uintptr(n), write) {
			return -abi.EFAULT
		}
		v.Base[v.N], v.Len[v.N] = uintptr(base), uintptr(n)
		v.N++
	}
	return 0
}

func nonblocking(f *files.File, flags int) bool {
	return f.Flags&files.ONonblock != 0 || flags&msgDontwait != 0
}

// socketFile runs read, write, readv, writev, ioctl and fstat on a socket.
func socketFile(t *threads.Thread, nr uint64, f *files.File, a *[6]uintptr) int64 {
	var v sockets.IOV
	switch nr {
	case abi.SysRead, abi.SysWrite:
		if !oneBuf(&v, a[1], a[2], nr == abi.SysRead) {
			return -abi.EFAULT
		}
	case abi.SysReadv, abi.SysWritev:
		if e := loadIOV(&v, a[1], int(a[2]), nr == abi.SysReadv); e != 0 {
			return e
		}
	case abi.SysIoctl:
		return socketIoctl(f, uint64(a[1]), a[2])
	case abi.SysFstat:
		return anonStat(a[1], 0o140000|0o777) // S_IFSOCK
	}
	if nr == abi.SysRead || nr == abi.SysReadv {
		n, _, _ := recv(t, f, &v, 0, nil)
		return n
	}
	return send(t, f, &v, 0, nil)
}

// recv receives into v: from, when not nil, gets the source address of a
// datagram. It returns the count (or -errno), the datagram's full length
// and the address's length.
func recv(t *threads.Thread, f *files.File, v *sockets.IOV, flags int, from []byte) (n, full int64, alen int) {
	if flags&msgOOB != 0 {
		return -abi.EINVAL, 0, 0 // no urgent data (SO_OOBINLINE semantics are not kept)
	}
	id := f.Sock
	peek := flags&msgPeek != 0
	if sockets.IsStream(id) {
		n = sockets.Read(id, v, peek)
		full = n
	} else {
		n, full, alen = sockets.Recv(id, v, peek, from)
	}
	return wait(t, id, n, nonblocking(f, flags)), full, alen
}

// send sends v, to the address to for an unconnected datagram socket.
func send(t *threads.Thread, f *files.File, v *sockets.IOV, flags int, to []byte) int64 {
	if flags&msgOOB != 0 {
		return -abi.EOPNOTSUPP
	}
	id := f.Sock
	var r int64
	switch {
	case sockets.IsStream(id):
		r = sockets.Write(id, v)
	case sockets.Domain(id) == sockets.AFUnix:
		r = sendUnixRecord(id, v, to)
	default:
		r = sockets.Send(id, v, to)
	}
	if r == -abi.EPIPE && flags&msgNosignal == 0 {
		signals.Raise(t, 13, signals.SIKernel, 0) // SIGPIPE, which Go ignores for sockets
	}
	return wait(t, id, r, nonblocking(f, flags))
}

func sendto(t *threads.Thread, f *files.File, buf, n uintptr, flags int, addr, alen uintptr) int64 {
	var v sockets.IOV
	if !oneBuf(&v, buf, n, false) {
		return -abi.EFAULT
	}
	var to []byte
	if addr != 0 {
		if alen > maxSockaddr {
			return -abi.EINVAL
		}
		b, ok := abi.UserBytes(addr, alen, false)
		if !ok {
			return -abi.EFAULT
		}
		to = b
	}
	return send(t, f, &v, flags, to)
}

func recvfrom(t *threads.Thread, f *files.File, buf, n uintptr, flags int, addr, lenAddr uintptr) int64 {
	var v sockets.IOV
	if !oneBuf(&v, buf, n, true) {
		return -abi.EFAULT
	}
	var from [maxSockaddr]byte
	r, full, alen := recv(t, f, &v, flags, from[:])
	if r < 0 {
		return r
	}
	if addr != 0 && alen > 0 {
		if e := putSockaddr(addr, lenAddr, from[:alen]); e != 0 {
			return e
		}
	} else if addr != 0 && !abi.PutU32(lenAddr, 0) {
		return -abi.EFAULT
	}
	if flags&msgTrunc != 0 {
		return full
	}
	return r
}

// struct msghdr field offsets.
const (
	msgName       = 0
	msgNamelen    = 8
	msgIov        = 16
	msgIovlen     = 24
	msgControl    = 32
	msgControllen = 40
	msgFlags      = 48
	msgHdrSize    = 56
)

func sendmsg(t *threads.Thread, f *files.File, msg uintptr, flags int) int64 {
	h, ok := abi.UserBytes(msg, msgHdrSize, false)
	if !ok {
		return -abi.EFAULT
	}
	var v sockets.IOV
	if e := loadIOV(&v, uintptr(abi.GetLE64(h[msgIov:])), int(abi.GetLE64(h[msgIovlen:])), false); e != 0 {
		return e
	}
	var to []byte
	if name, nlen := uintptr(abi.GetLE64(h[msgName:])), uintptr(abi.GetLE32(h[msgNamelen:])); name != 0 && nlen != 0 {
		if nlen > maxSockaddr {
			return -abi.EINVAL
		}
		b, ok := abi.UserBytes(name, nlen, false)
		if !ok {
			return -abi.EFAULT
		}
		to = b
	}
	if clen := uintptr(abi.GetLE64(h[msgControllen:])); clen != 0 && sockets.Domain(f.Sock) == sockets.AFUnix {
		if e := parkRights(uintptr(abi.GetLE64(h[msgControl:])), clen); e != 0 {
			return e
		}
	}
	return send(t, f, &v, flags, to) // an inet socket's control messages are ignored
}

func recvmsg(t *threads.Thread, f *files.File, msg uintptr, flags int) int64 {
	h, ok := abi.UserBytes(msg, msgHdrSize, true)
	if !ok {
		return -abi.EFAULT
	}
	var v sockets.IOV
	if e := loadIOV(&v, uintptr(abi.GetLE64(h[msgIov:])), int(abi.GetLE64(h[msgIovlen:])), true); e != 0 {
		return e
	}
	var from [maxSockaddr]byte
	r, full, alen := recv(t, f, &v, flags, from[:])
	if r < 0 {
		return r
	}
	if name := uintptr(abi.GetLE64(h[msgName:])); name != 0 {
		n := uintptr(abi.GetLE32(h[msgNamelen:]))
		if n > uintptr(alen) {
			n = uintptr(alen)
		}
		dst, ok := abi.UserBytes(name, n, true)
		if !ok {
			return -abi.EFAULT
		}
		copy(dst, from[:n])
		abi.PutLE32(h[msgNamelen:], uint32(alen))
	}
	var out uint32
	ctl, e := receiveRights(uintptr(abi.GetLE64(h[msgControl:])), uintptr(abi.GetLE64(h[msgControllen:])), flags&msgCmsgCloexec != 0, &out)
	if e != 0 {
		return e
	}
	abi.PutLE64(h[msgControllen:], uint64(ctl))
	if full > r {
		out |= msgTrunc
	}
	abi.PutLE32(h[msgFlags:], out)
	if flags&msgTrunc != 0 {
		return full
	}
	return r
}

// socketIoctl answers FIONREAD and FIONBIO; sockets are no terminals.
func socketIoctl(f *files.File, req uint64, arg uintptr) int64 {
	const (
		fionread = 0x541b
		fionbio  = 0x5421
	)
	switch req {
	case fionread:
		if !abi.PutU32(arg, uint32(sockets.RxQueued(f.Sock))) {
			return -abi.EFAULT
		}
		return 0
	case fionbio:
		v, ok := abi.GetU32(arg)
		if !ok {
			return -abi.EFAULT
		}
		f.Flags &^= files.ONonblock
		if v != 0 {
			f.Flags |= files.ONonblock
		}
		return 0
	}
	return -abi.ENOTTY
}

// anonStat describes a descriptor that is no file (a socket, the work
// descriptor) with mode only.
func anonStat(st uintptr, mode uint32) int64 {
	b, ok := abi.UserBytes(st, 144, true)
	if !ok {
		return -abi.EFAULT
	}
	clear(b)
	abi.PutLE32(b[24:], mode) // st_mode
	b[16] = 1                 // st_nlink
	abi.PutLE64(b[56:], 4096) // st_blksize
	return 0
}
