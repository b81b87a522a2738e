package threads

// Alarms are deadlines the scheduler keeps that are no blocked thread's:
// the next expiry of each armed timerfd (package files). expire passes
// them with the threads' deadlines, so the LAPIC timer is armed for the
// earliest of all and a halted CPU wakes when a timer expires, with no
// polling. A passed alarm wakes the threads waiting on its key to run
// their call again (poll, epoll_wait, a timerfd's read), which then see
// the timer expired; the alarm is then spent until its owner sets it
// again (a periodic timer's next expiry).

// MaxAlarms bounds the alarms: one per timerfd.
const MaxAlarms = 64

type alarm struct {
	at  int64 // monotonic ns; 0: not set
	key uintptr
}

var alarms [MaxAlarms]alarm

// alarmsNext is the earliest alarm set, or noAlarm: expire reads it on
// every kernel entry and looks at the table only once it has passed. The
// non-zero initialiser keeps it in loaded data: the trap path must not
// fault on it.
var alarmsNext int64 = noAlarm

const noAlarm = 1<<63 - 1

// SetAlarm sets alarm slot to wake the threads blocked on key at the
// monotonic time at (0: clears it). The scheduler programs the timer for it
// when it next runs.
func SetAlarm(slot int, at int64, key uintptr) {
	alarms[slot] = alarm{at, key}
	if at != 0 && at < alarmsNext {
		alarmsNext = at
		return
	}
	alarmsNext = earliestAlarm()
}

// AlarmAt returns when alarm slot goes off (0: not set).
func AlarmAt(slot int) int64 { return alarms[slot].at }

func earliestAlarm() int64 {
	next := int64(noAlarm)
	for i := range alarms {
		if at := alarms[i].at; at != 0 && at < next {
			next = at
		}
	}
	return next
}

// fireAlarms wakes the waiters of every alarm due by t0 and clears it.
func fireAlarms(t0 int64) {
	for i := range alarms {
		if a := &alarms[i]; a.at != 0 && a.at <= t0 {
			a.at = 0
			WakeRestartAll(a.key)
		}
	}
	alarmsNext = earliestAlarm()
}
