package netcalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/syscalls/filecalls"
)

// Passing descriptors over AF_UNIX sockets: SCM_RIGHTS control messages
// of sendmsg and recvmsg. Sending parks each file in flight (package
// files) with the reference a dup would count; receiving moves them into
// new descriptors. Package sockets keeps them with their message.

const (
	solSocket      = 1
	scmRights      = 1
	scmCredentials = 2
	cmsgHdr        = 16 // struct cmsghdr: len uint64, level int32, type int32
	msgCtrunc      = 0x8
	msgCmsgCloexec = 0x40000000
)

func cmsgAlign(n uintptr) uintptr { return (n + 7) &^ 7 }

// parkRights reads the control messages of a sendmsg on an AF_UNIX
// socket: the descriptors of its SCM_RIGHTS messages go in flight for the
// send. Other control messages are refused (EOPNOTSUPP for credentials).
func parkRights(ctl, clen uintptr) int64 {
	if clen > 4096 {
		return -abi.ENOBUFS
	}
	b, ok := abi.UserBytes(ctl, clen, false)
	if !ok {
		return -abi.EFAULT
	}
	var slots [sockets.MaxRights]int32
	n, e := parkAll(b, clen, &slots)
	if e != 0 {
		for i := 0; i < n; i++ {
			dropParked(slots[i])
		}
		return e
	}
	sockets.SetSendRights(slots[:n])
	return 0
}

// parkAll parks the descriptors of the control messages in b into slots
// and returns how many; on an error, those parked so far are the caller's
// to drop.
func parkAll(b []byte, clen uintptr, slots *[sockets.MaxRights]int32) (n int, e int64) {
	for off := uintptr(0); off+cmsgHdr <= clen; {
		l := uintptr(abi.GetLE64(b[off:]))
		level, typ := abi.GetLE32(b[off+8:]), abi.GetLE32(b[off+12:])
		switch {
		case l < cmsgHdr || off+l > clen:
			return n, -abi.EINVAL
		case level == solSocket && typ == scmCredentials:
			return n, -abi.EOPNOTSUPP
		case level != solSocket || typ != scmRights:
			return n, -abi.EINVAL
		}
		for p := off + cmsgHdr; p+4 <= off+l; p += 4 {
			if n == len(slots) {
				return n, -abi.ETOOMANYREFS
			}
			slot := files.Park(int(int32(abi.GetLE32(b[p:]))))
			switch slot {
			case -1:
				return n, -abi.EBADF
			case -2:
				return n, -abi.ETOOMANYREFS
			case -3:
				return n, -abi.EINVAL
			}
			filecalls.Reopened(files.Parked(slot))
			slots[n] = slot
			n++
		}
		off += cmsgAlign(l)
	}
	return n, 0
}

// receiveRights writes the descriptors the last receive took into the
// control buffer of a recvmsg as one SCM_RIGHTS message, and returns the
// bytes used. Descriptors that do not fit (or find no free number) are
// closed and set MSG_CTRUNC in out, as Linux does.
func receiveRights(ctl, clen uintptr, cloexec bool, out *uint32) (uintptr, int64) {
	var got [sockets.MaxRights]int32
	n := sockets.TakeReceivedRights(&got)
	if n == 0 {
		return 0, 0
	}
	fit := 0
	if clen >= cmsgHdr+4 {
		fit = min(n, int((clen-cmsgHdr)/4))
	}
	var b []byte
	if fit > 0 {
		var ok bool
		if b, ok = abi.UserBytes(ctl, cmsgHdr+4*uintptr(fit), true); !ok {
			fit = 0
		}
	}
	put := 0
	for ; put < fit; put++ {
		fd := files.Unpark(got[put], cloexec)
		if fd < 0 {
			break
		}
		abi.PutLE32(b[cmsgHdr+4*put:], uint32(fd))
	}
	for i := put; i < n; i++ {
		dropParked(got[i])
	}
	if put < n {
		*out |= msgCtrunc
	}
	if put == 0 {
		return 0, 0
	}
	l := cmsgHdr + 4*uintptr(put)
	abi.PutLE64(b, uint64(l))
	abi.PutLE32(b[8:], solSocket)
	abi.PutLE32(b[12:], scmRights)
	return min(cmsgAlign(l), clen), 0
}

// dropParked closes a file in flight whose message nobody received.
func dropParked(slot int32) {
	f := *files.Parked(slot)
	files.DropParked(slot)
	if f.Kind == files.KindPipeRead || f.Kind == files.KindPipeWrite {
		filecalls.PipeChanged(&f)
	}
}
