package filecalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// poll, ppoll, select and pselect6: what C, C++ and Rust programs wait
// with (Rust's start-up polls fds 0-2 to see that they are open). Each looks
// at the descriptors' readiness (files.Ready, whose bits are poll's) and,
// when none is ready and the timeout allows, blocks on the key every
// readiness change wakes, then looks again from the start. The signal mask
// of ppoll and pselect6 is not applied.

// Poll's bits besides those files.Ready reports.
const (
	pollNval   = 0x20
	pollAlways = files.EventErr | files.EventHup // reported whether asked or not
)

// maxPollFDs bounds one poll call, as RLIMIT_NOFILE would.
const maxPollFDs = 4096

// poll implements poll and ppoll; deadline 0 waits forever, -1 not at all.
func poll(t *threads.Thread, fds uintptr, nfds uintptr, deadline int64) int64 {
	if nfds > maxPollFDs {
		return -abi.EINVAL
	}
	buf, ok := abi.UserBytes(fds, nfds*8, true)
	if !ok {
		return -abi.EFAULT
	}
	n := int64(0)
	for i := uintptr(0); i < nfds; i++ {
		e := buf[i*8:]
		fd := int32(abi.GetLE32(e))
		events := uint32(e[4]) | uint32(e[5])<<8
		var revents uint32
		switch {
		case fd < 0:
		case files.Get(int(fd)) == nil:
			revents = pollNval
		default:
			revents = files.Ready(int(fd)) & (events | pollAlways)
		}
		e[6], e[7] = byte(revents), byte(revents>>8)
		if revents != 0 {
			n++
		}
	}
	if n > 0 || deadline < 0 {
		return n
	}
	threads.Block(t, PollKey(), keptDeadline(t, deadline), 0)
	return abi.Blocked
}

// keptDeadline is the deadline of a call waiting for readiness: the one
// it had before a readiness change made it run again, else deadline.
func keptDeadline(t *threads.Thread, deadline int64) int64 {
	if d, ok := t.RestartDeadline(); ok {
		return d
	}
	return deadline
}

// pollDeadline turns poll's timeout in milliseconds into a deadline.
func pollDeadline(ms int) int64 {
	switch {
	case ms < 0:
		return 0
	case ms == 0:
		return -1
	}
	return clock.Nanotime() + int64(ms)*1e6
}

// timespecDeadline turns ppoll's and pselect6's timeout (a timespec; 0
// address: none) into a deadline; ok false for a bad one.
func timespecDeadline(ts uintptr) (int64, bool) {
	if ts == 0 {
		return 0, true
	}
	d, ok := abi.GetTimespec(ts)
	if !ok {
		return 0, false
	}
	if d == 0 {
		return -1, true
	}
	return clock.Nanotime() + d, true
}

// timevalDeadline is select's: a struct timeval (0 address: none).
func timevalDeadline(tv uintptr) (int64, bool) {
	if tv == 0 {
		return 0, true
	}
	sec, ok1 := abi.GetU64(tv)
	usec, ok2 := abi.GetU64(tv + 8)
	if !ok1 || !ok2 || int64(sec) < 0 || usec >= 1e6 {
		return 0, false
	}
	if sec == 0 && usec == 0 {
		return -1, true
	}
	if sec > 1<<31 {
		sec = 1 << 31
	}
	return clock.Nanotime() + int64(sec)*1e9 + int64(usec)*1e3, true
}

// selectFDs implements select and pselect6 over the three fd_set bitmaps
// (any may be 0); deadline as poll's.
func selectFDs(t *threads.Thread, nfds int, rd, wr, ex uintptr, deadline int64) int64 {
	if nfds < 0 || nfds > maxPollFDs {
		return -abi.EINVAL
	}
	size := uintptr((nfds + 63) / 64 * 8)
	var sets [3][]byte
	for i, addr := range [3]uintptr{rd, wr, ex} {
		if addr == 0 || size == 0 {
			continue
		}
		b, ok := abi.UserBytes(addr, size, true)
		if !ok {
			return -abi.EFAULT
		}
		sets[i] = b
	}
	// First pass: count, and fail on a closed descriptor; nothing written.
	n := int64(0)
	for pass := 0; pass < 2; pass++ {
		for fd := 0; fd < nfds; fd++ {
			bit := byte(1) << (fd % 8)
			asked := false
			for _, s := range sets {
				asked = asked || s != nil && s[fd/8]&bit != 0
			}
			if !asked {
				continue
			}
			if files.Get(fd) == nil {
				return -abi.EBADF
			}
			r := files.Ready(fd)
			got := [3]bool{r&(files.EventIn|files.EventHup|files.EventErr) != 0, r&(files.EventOut|files.EventErr) != 0, false}
			for i, s := range sets {
				if s == nil || s[fd/8]&bit == 0 {
					continue
				}
				if got[i] {
					if pass == 0 {
						n++
					}
				} else if pass == 1 && n > 0 {
					s[fd/8] &^= bit
				}
			}
		}
		if n == 0 {
			break
		}
	}
	if n > 0 || deadline < 0 {
		if n == 0 {
			for _, s := range sets {
				clear(s)
			}
		}
		return n
	}
	threads.Block(t, PollKey(), keptDeadline(t, deadline), 0)
	return abi.Blocked
}
