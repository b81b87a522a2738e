package files

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/threads"
)

// Timers: a descriptor of KindTimerfd names a timer here (File.Timer);
// dup'ed descriptors share it, and it goes with the last one. A timer
// counts its expirations from the monotonic clock (a CLOCK_REALTIME
// timer's deadline converted once: the wall clock is never set, so the
// two differ by a constant). Its next expiry is an alarm of the scheduler
// (threads.SetAlarm), which wakes the threads waiting on the timer's key
// when it passes; they look again and find the timer expired (timersDue).
// As on Linux, a periodic timer is set again only when its count is read
// (or its time asked): one nobody reads wakes nobody after its first
// expiry, and the read counts every period that passed meanwhile.

// nanotime is the monotonic clock, a variable for the host tests.
var nanotime = clock.Nanotime

// MaxTimers bounds the timers: one alarm each.
const MaxTimers = threads.MaxAlarms

type timer struct {
	used     bool
	realtime bool    // CLOCK_REALTIME: the app's absolute times are wall-clock times
	key      uintptr // the wait channel an expiry wakes
	next     int64   // the next expiry, monotonic ns; 0: disarmed
	interval int64   // the period, ns; 0: one-shot
	count    uint64  // expirations not read yet
}

var timers [MaxTimers]timer

// timersSeen bounds the slots of timers ever handed out.
var timersSeen int

// NewTimer makes a disarmed timer whose expiries wake the threads blocked
// on key and returns its slot, or -1.
func NewTimer(realtime bool, key uintptr) int32 {
	for i := range timers {
		if !timers[i].used {
			timers[i] = timer{used: true, realtime: realtime, key: key}
			timersSeen = max(timersSeen, i+1)
			return int32(i)
		}
	}
	return -1
}

// TimerRealtime reports whether f's timer reads the wall clock.
func TimerRealtime(f *File) bool { return timers[f.Timer].realtime }

// SetTimer arms f's timer to expire first at the monotonic time next (0:
// disarms it) and then every interval (0: once), and forgets the
// expirations not read, as timerfd_settime does.
func SetTimer(f *File, next, interval int64) {
	tm := &timers[f.Timer]
	tm.next, tm.count = next, 0
	tm.interval = 0
	if next != 0 {
		tm.interval = interval
	}
	threads.SetAlarm(int(f.Timer), next, tm.key)
}

// GetTimer returns f's timer's next expiry (monotonic; 0: disarmed) and
// its period, having counted what has expired.
func GetTimer(f *File) (next, interval int64) {
	catchUp(f.Timer)
	tm := &timers[f.Timer]
	return tm.next, tm.interval
}

// TakeExpirations returns the expirations of f's timer not read yet and
// clears them (0: none; the reader waits on TimerKey or answers EAGAIN).
func TakeExpirations(f *File) uint64 {
	timersDue()
	catchUp(f.Timer)
	tm := &timers[f.Timer]
	n := tm.count
	tm.count = 0
	return n
}

// TimerKey is the wait channel of f's timer's expiries.
func TimerKey(f *File) uintptr { return timers[f.Timer].key }

// timerReady is a timerfd's readiness: readable once it has expired.
func timerReady(f *File) uint32 {
	tm := &timers[f.Timer]
	if tm.count > 0 || tm.next != 0 && nanotime() >= tm.next {
		return EventIn
	}
	return 0
}

// catchUp counts the expirations of timer i up to now and sets its alarm
// for the next one.
func catchUp(i int32) {
	tm := &timers[i]
	n, next := expirations(tm.next, tm.interval, nanotime())
	tm.count += n
	tm.next = next
	threads.SetAlarm(int(i), next, tm.key)
}

// expirations is how many times a timer due at next with period interval
// (0: one-shot) has expired by now, and its next expiry after that (0:
// none). next 0 is a disarmed timer.
func expirations(next, interval, now int64) (n uint64, after int64) {
	if next == 0 || now < next {
		return 0, next
	}
	if interval <= 0 {
		return 1, 0
	}
	k := (now-next)/interval + 1
	return uint64(k), next + k*interval
}

// timersDue notes the first expiry of every timer whose deadline has
// passed since its count was last read: it counts it and records the
// readiness change for epoll's edge-triggered interests (Changed). Timers
// already expired and not read stay as they are, alarm spent (catchUp
// counts the rest). Whatever looks at epoll's events calls it first.
func timersDue() {
	if timersSeen == 0 {
		return
	}
	now := nanotime()
	for i := range timersSeen {
		tm := &timers[i]
		if !tm.used || tm.count > 0 || tm.next == 0 || now < tm.next {
			continue
		}
		tm.count, tm.next = expirations(tm.next, tm.interval, now)
		threads.SetAlarm(i, 0, 0)
		changedWhere(func(f *File) bool { return f.Kind == KindTimerfd && f.Timer == int32(i) })
	}
}

// ReleaseTimer frees timer slot i when no descriptor or file in flight
// names it any more, and its alarm with it.
func ReleaseTimer(i int32) {
	if !referenced(func(f *File) bool { return f.Kind == KindTimerfd && f.Timer == i }) {
		timers[i] = timer{}
		threads.SetAlarm(int(i), 0, 0)
	}
}
