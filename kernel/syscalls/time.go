package syscalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// timespec reads a struct timespec as nanoseconds.
func timespec(addr uintptr) (int64, bool) { return abi.GetTimespec(addr) }

func putTimespec(addr uintptr, ns int64) bool {
	return abi.PutU64(addr, uint64(ns/1e9)) && abi.PutU64(addr+8, uint64(ns%1e9))
}

// Clock IDs.
const (
	clockRealtime        = 0
	clockMonotonic       = 1
	clockProcessCPU      = 2
	clockThreadCPU       = 3
	clockMonotonicRaw    = 4
	clockRealtimeCoarse  = 5
	clockMonotonicCoarse = 6
	clockBoottime        = 7
)

// now reads a clock; CPU-time clocks read as monotonic time (one app, one CPU).
func now(id int) (int64, bool) {
	switch id {
	case clockRealtime, clockRealtimeCoarse:
		return clock.Realtime(), true
	case clockMonotonic, clockMonotonicRaw, clockMonotonicCoarse, clockBoottime, clockProcessCPU, clockThreadCPU:
		return clock.Nanotime(), true
	}
	return 0, false
}

func clockGettime(id int, ts uintptr) int64 {
	ns, ok := now(id)
	if !ok {
		return -abi.EINVAL
	}
	if !putTimespec(ts, ns) {
		return -abi.EFAULT
	}
	return 0
}

func clockGetres(ts uintptr) int64 {
	if ts != 0 && !putTimespec(ts, 1) {
		return -abi.EFAULT
	}
	return 0
}

func gettimeofday(tv uintptr) int64 {
	if tv == 0 {
		return 0
	}
	ns := clock.Realtime()
	if !abi.PutU64(tv, uint64(ns/1e9)) || !abi.PutU64(tv+8, uint64(ns%1e9/1000)) {
		return -abi.EFAULT
	}
	return 0
}

func timeSeconds(t uintptr) int64 {
	s := clock.Realtime() / 1e9
	if t != 0 && !abi.PutU64(t, uint64(s)) {
		return -abi.EFAULT
	}
	return s
}

// sleep blocks t for d nanoseconds (or until a signal).
func sleepUntil(t *threads.Thread, deadline int64) int64 {
	if deadline <= clock.Nanotime() {
		return 0
	}
	threads.Block(t, 0, deadline, 0)
	return abi.Blocked
}

func nanosleep(t *threads.Thread, req uintptr) int64 {
	d, ok := timespec(req)
	if !ok {
		return -abi.EINVAL
	}
	return sleepUntil(t, clock.Nanotime()+d)
}

func clockNanosleep(t *threads.Thread, id, flags int, req uintptr) int64 {
	d, ok := timespec(req)
	if !ok {
		return -abi.EINVAL
	}
	if _, ok := now(id); !ok {
		return -abi.EINVAL
	}
	const timerAbstime = 1
	switch {
	case flags&timerAbstime == 0:
		d += clock.Nanotime()
	case id == clockRealtime || id == clockRealtimeCoarse:
		d -= clock.Realtime() - clock.Nanotime()
	}
	return sleepUntil(t, d)
}
