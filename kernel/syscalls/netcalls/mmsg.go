package netcalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// sendmmsg and recvmmsg: sendmsg and recvmsg over an array of struct
// mmsghdr (a msghdr and the byte count the call writes back), as DNS
// resolvers and QUIC stacks batch datagrams. Only the first message may
// wait: a call that waits runs again from the start (threads.BlockRestart),
// which must not send or receive again what it already did, so once one
// message has gone through the rest go without waiting and the call
// returns the count done. recvmmsg thus returns when no more messages are
// queued, as with MSG_WAITFORONE, also without it (Linux would wait for
// vlen); its timeout, which Linux checks only after a message arrives,
// is checked for validity and otherwise not applied.

const (
	mmsgSize      = msgHdrSize + 8 // struct mmsghdr: the msghdr, msg_len, padding
	mmsgLen       = msgHdrSize
	msgWaitforone = 0x10000
	uioMaxIOV     = 1024 // the most messages one call takes, as Linux
)

func sendmmsg(t *threads.Thread, f *files.File, vec uintptr, vlen uint, flags int) int64 {
	return mmsg(t, f, vec, vlen, flags, true)
}

func recvmmsg(t *threads.Thread, f *files.File, vec uintptr, vlen uint, flags int, timeout uintptr) int64 {
	if timeout != 0 {
		b, ok := abi.UserBytes(timeout, 16, false)
		if !ok {
			return -abi.EFAULT
		}
		if sec, nsec := int64(abi.GetLE64(b)), int64(abi.GetLE64(b[8:])); sec < 0 || nsec < 0 || nsec >= 1e9 {
			return -abi.EINVAL
		}
	}
	return mmsg(t, f, vec, vlen, flags&^msgWaitforone, false)
}

// mmsg sends or receives the messages of vec in turn and writes each one's
// count into its msg_len. It returns how many went through, or the first
// message's error.
func mmsg(t *threads.Thread, f *files.File, vec uintptr, vlen uint, flags int, sending bool) int64 {
	vlen = min(vlen, uioMaxIOV)
	done := int64(0)
	for i := uintptr(0); i < uintptr(vlen); i++ {
		h := vec + i*mmsgSize
		fl := flags
		if done > 0 {
			fl |= msgDontwait
		}
		var r int64
		if sending {
			r = sendmsg(t, f, h, fl)
		} else {
			r = recvmsg(t, f, h, fl)
		}
		if r < 0 {
			if done > 0 {
				return done
			}
			return r // an error, or abi.Blocked: nothing done yet
		}
		if !abi.PutU32(h+mmsgLen, uint32(r)) {
			if done > 0 {
				return done
			}
			return -abi.EFAULT
		}
		done++
	}
	return done
}
