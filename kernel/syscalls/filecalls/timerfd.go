package filecalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// timerfd_create, timerfd_settime, timerfd_gettime and a timer's read: the
// timers C, C++ and Rust event loops wait on with epoll. Package files
// keeps the timers; an expiry wakes the threads waiting for readiness
// (PollKey), the epoll and poll waiters and the timers' blocked readers
// alike, which run their call again and find the timer expired.

// Clock IDs a timerfd may count.
const (
	clockRealtime      = 0
	clockMonotonic     = 1
	clockBoottime      = 7
	clockRealtimeAlarm = 8
	clockBoottimeAlarm = 9
)

// timerfd_settime flags. TFD_TIMER_CANCEL_ON_SET cancels an absolute
// CLOCK_REALTIME timer when the wall clock is set (Linux ignores it on
// other timers); nothing sets the clock here, so it is accepted and never
// cancels.
const (
	tfdTimerAbstime     = 1
	tfdTimerCancelOnSet = 2
)

func timerfdCreate(clockID, flags int) int64 {
	if flags&^(files.ONonblock|files.OCloexec) != 0 {
		return -abi.EINVAL
	}
	realtime := false
	switch clockID {
	case clockRealtime:
		realtime = true
	case clockMonotonic, clockBoottime: // no suspend: boot time is monotonic time
	case clockRealtimeAlarm, clockBoottimeAlarm:
		return -abi.EPERM // waking a suspended machine (CAP_WAKE_ALARM): there is no suspend
	default:
		return -abi.EINVAL
	}
	slot := files.NewTimer(realtime, PollKey())
	if slot < 0 {
		return -abi.ENOMEM
	}
	fd := files.Alloc(0, files.File{Kind: files.KindTimerfd, Timer: slot,
		Flags: files.ORdwr | uint32(flags)&files.ONonblock, FDFlags: cloexec(flags)})
	if fd < 0 {
		files.ReleaseTimer(slot)
		return -abi.EMFILE
	}
	return int64(fd)
}

// timerfdOf returns the timerfd fd, or -EBADF or -EINVAL.
func timerfdOf(fd int) (*files.File, int64) {
	f := files.Get(fd)
	switch {
	case f == nil:
		return nil, -abi.EBADF
	case f.Kind != files.KindTimerfd:
		return nil, -abi.EINVAL
	}
	return f, 0
}

// maxSec clamps times so that nanoseconds stay far from overflow.
const maxSec = (1 << 62) / 1_000_000_000

// itimerspec reads a struct itimerspec: it_interval, it_value (ns).
func itimerspec(addr uintptr) (interval, value int64, e int64) {
	b, ok := abi.UserBytes(addr, 32, false)
	if !ok {
		return 0, 0, -abi.EFAULT
	}
	var ns [2]int64
	for i := range ns {
		sec, nsec := int64(abi.GetLE64(b[i*16:])), int64(abi.GetLE64(b[i*16+8:]))
		if sec < 0 || nsec < 0 || nsec >= 1e9 {
			return 0, 0, -abi.EINVAL
		}
		ns[i] = min(sec, maxSec)*1e9 + nsec
	}
	return ns[0], ns[1], 0
}

// putItimerspec writes a struct itimerspec.
func putItimerspec(addr uintptr, interval, value int64) bool {
	b, ok := abi.UserBytes(addr, 32, true)
	if !ok {
		return false
	}
	abi.PutLE64(b, uint64(interval/1e9))
	abi.PutLE64(b[8:], uint64(interval%1e9))
	abi.PutLE64(b[16:], uint64(value/1e9))
	abi.PutLE64(b[24:], uint64(value%1e9))
	return true
}

// timerDeadline turns it_value into the monotonic time of the first
// expiry: from now, or (TFD_TIMER_ABSTIME) a time of the timer's clock; a
// time already past expires at once.
func timerDeadline(value int64, abs, realtime bool) int64 {
	now := clock.Nanotime()
	switch {
	case !abs:
		return now + value
	case realtime:
		value -= clock.Realtime() - now
	}
	return max(value, 1) // 0 would mean disarmed
}

func timerfdSettime(fd, flags int, newValue, oldValue uintptr) int64 {
	f, e := timerfdOf(fd)
	if e != 0 {
		return e
	}
	if flags&^(tfdTimerAbstime|tfdTimerCancelOnSet) != 0 {
		return -abi.EINVAL
	}
	interval, value, e := itimerspec(newValue)
	if e != 0 {
		return e
	}
	oldNext, oldInterval := files.GetTimer(f)
	next := int64(0)
	if value != 0 {
		next = timerDeadline(value, flags&tfdTimerAbstime != 0, files.TimerRealtime(f))
	}
	files.SetTimer(f, next, interval)
	readinessChanged(fd) // waiters look again: the timer's readiness and deadline changed
	if oldValue != 0 && !putItimerspec(oldValue, oldInterval, remaining(oldNext)) {
		return -abi.EFAULT
	}
	return 0
}

// remaining is the time until a timer's next expiry (0: disarmed).
func remaining(next int64) int64 {
	if next == 0 {
		return 0
	}
	return max(next-clock.Nanotime(), 1) // an armed timer never reads as disarmed
}

func timerfdGettime(fd int, cur uintptr) int64 {
	f, e := timerfdOf(fd)
	if e != 0 {
		return e
	}
	next, interval := files.GetTimer(f)
	if !putItimerspec(cur, interval, remaining(next)) {
		return -abi.EFAULT
	}
	return 0
}

// timerfdRead returns the expirations since the last read as 8 bytes,
// waiting for the next one when there are none.
func timerfdRead(t *threads.Thread, f *files.File, buf, n uintptr) int64 {
	if n < 8 {
		return -abi.EINVAL
	}
	b, ok := abi.UserBytes(buf, 8, true)
	if !ok {
		return -abi.EFAULT
	}
	count := files.TakeExpirations(f)
	if count == 0 {
		if f.Flags&files.ONonblock != 0 {
			return -abi.EAGAIN
		}
		threads.BlockRestart(t, files.TimerKey(f))
		return abi.Blocked
	}
	abi.PutLE64(b, count)
	return 8
}
