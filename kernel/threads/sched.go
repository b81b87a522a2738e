package threads

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/devices/lapic"
)

// TimeSlice is how long a thread runs before another runnable one gets the CPU.
const TimeSlice = 10_000_000

var sliceEnd int64 // when the current thread's slice ends

// Block puts t to sleep until Wake or the deadline (0: none), when its
// system call returns onTimeout.
func Block(t *Thread, futexAddr uintptr, deadline int64, onTimeout int64) {
	t.state = Blocked
	t.futexAddr = futexAddr
	t.deadline = deadline
	t.onTimeout = onTimeout
	t.syscallNr = t.Frame.RAX
}

// Wake makes a blocked thread runnable with result as its system call's return value.
func Wake(t *Thread, result int64) {
	if t.state != Blocked {
		return
	}
	t.state = Runnable
	t.futexAddr = 0
	t.deadline = 0
	t.holdsResult = false
	t.Frame.RAX = uint64(result)
}

// IsBlocked reports whether t waits in a system call.
func (t *Thread) IsBlocked() bool { return t.state == Blocked }

// Interruptible reports whether a signal may end t's wait with EINTR: not
// when the call has already done its work and only waits to return it.
func (t *Thread) Interruptible() bool { return t.state == Blocked && !t.holdsResult }

// BlockWithResult puts t to sleep on key until WakeAllWithResult; the call
// then returns result. For calls whose effect happens before the wait (a
// FIFO's open registers its end, then waits for the other side), so a
// signal must not interrupt them.
func BlockWithResult(t *Thread, key uintptr, result int64) {
	Block(t, key, 0, result)
	t.holdsResult = true
}

// WakeAllWithResult wakes every thread blocked on key by BlockWithResult.
func WakeAllWithResult(key uintptr) {
	for i := 0; i < top; i++ {
		t := &table[i]
		if t.state == Blocked && t.futexAddr == key && t.holdsResult {
			Wake(t, t.onTimeout)
		}
	}
}

// FutexWake wakes up to n threads waiting on addr and returns how many woke.
func FutexWake(addr uintptr, n int) int {
	woken := 0
	// Start after the current thread so that waiters are served in turn.
	for k := 1; k <= top && woken < n; k++ {
		t := &table[(current+k)%top]
		if t.state == Blocked && t.futexAddr == addr {
			Wake(t, 0)
			woken++
		}
	}
	return woken
}

// expire wakes the threads whose deadline has passed, and those waiting on
// an alarm that has (alarm.go), and returns the earliest deadline still
// pending (0 if none).
func expire(t0 int64) int64 {
	if alarmsNext <= t0 {
		fireAlarms(t0)
	}
	var next int64
	if alarmsNext != noAlarm {
		next = alarmsNext
	}
	for i := 0; i < top; i++ {
		t := &table[i]
		if t.state != Blocked || t.deadline == 0 {
			continue
		}
		if t.deadline <= t0 {
			Wake(t, t.onTimeout)
			continue
		}
		if next == 0 || t.deadline < next {
			next = t.deadline
		}
	}
	return next
}

// Schedule chooses the thread to run next: the current one until its time
// slice ends, then the next runnable one in turn. With nothing runnable the
// CPU halts until an interrupt (an idle unikernel costs the host nothing).
func Schedule() *Thread {
	for {
		t0 := clock.Nanotime()
		next := expire(t0)
		cur := &table[current]
		if cur.state == Runnable && t0 < sliceEnd {
			arm(next, t0)
			return cur
		}
		for k := 1; k <= top; k++ {
			i := (current + k) % top
			if table[i].state == Runnable {
				sliceEnd = t0 + TimeSlice
				current = i
				arm(next, t0)
				return &table[i]
			}
		}
		armAt(next, t0)
		lapic.WaitForInterrupt()
		halted += clock.Nanotime() - t0
	}
}

// halted is the CPU's time spent halted, in nanoseconds.
var halted int64

// Halted returns the CPU's total time spent halted, for whoever wants to
// know how busy it was.
func Halted() int64 { return halted }

// arm programs the timer for the earlier of the next deadline and the end of
// the slice when another thread is waiting to run.
func arm(next, t0 int64) {
	if othersRunnable() && (next == 0 || sliceEnd < next) {
		next = sliceEnd
	}
	armAt(next, t0)
}

// armed is the deadline the LAPIC timer is counting down to, or notArmed.
// Schedule runs on every trap, and programming the timer is an MMIO write
// (a VM exit under KVM; under TCG it takes QEMU's global lock, contending
// with the I/O thread), so the timer is set only when the deadline changes.
// The non-zero initialiser keeps it in loaded data: the trap path must not
// fault on it.
var armed int64 = notArmed

const notArmed = -1

// armAt sets the one-shot timer for an absolute deadline (0: none).
func armAt(deadline, t0 int64) {
	switch {
	case deadline == 0:
		if armed != notArmed {
			lapic.Arm(0)
			armed = notArmed
		}
	case deadline <= t0:
		lapic.Arm(1)
		armed = notArmed // fires at once
	case deadline != armed:
		lapic.Arm(deadline - t0)
		armed = deadline
	}
}

// TimerFired records that the one-shot timer went off: the next deadline,
// even the same one, must be programmed again.
func TimerFired() { armed = notArmed }

func othersRunnable() bool {
	for i := 0; i < top; i++ {
		if i != current && table[i].state == Runnable {
			return true
		}
	}
	return false
}

// Yield ends the current thread's time slice.
func Yield() { sliceEnd = 0 }

// WakeRestartAll wakes every thread blocked on key so that it re-executes
// its system call (epoll_wait looks again for ready descriptors). The
// call's deadline is kept for it (RestartDeadline): a timeout counts from
// the call, not from its last restart.
func WakeRestartAll(key uintptr) {
	for i := 0; i < top; i++ {
		t := &table[i]
		if t.state == Blocked && t.futexAddr == key {
			nr, deadline := t.syscallNr, t.deadline
			Wake(t, 0)
			t.Frame.RAX = nr
			t.Frame.RIP -= 2 // back onto the SYSCALL instruction
			t.restartDeadline, t.restartSP = deadline, t.Frame.RSP
		}
	}
}

// RestartDeadline returns the deadline t's running call had when
// WakeRestartAll made it run again (ok false: it was not restarted, or
// waited for ever), so that poll and epoll_wait keep their timeout.
func (t *Thread) RestartDeadline() (deadline int64, ok bool) {
	if t.restartDeadline == 0 || t.Frame.RSP != t.restartSP || t.Frame.RAX != t.syscallNr {
		return 0, false
	}
	return t.restartDeadline, true
}

// Returned forgets the deadline kept for t's restarted call once a call of
// t has run (it, or a signal handler's before it).
func (t *Thread) Returned() { t.restartDeadline = 0 }

// BlockRestart puts t to sleep on key with no deadline; WakeRestartAll on
// key makes it execute its system call again.
func BlockRestart(t *Thread, key uintptr) { Block(t, key, 0, 0) }

// BlockRestartQuiet is BlockRestart for a call that Linux never ends with
// EINTR (socket, waiting for the network stack to start): a signal does not
// end the wait; its handler runs once WakeRestartAll has woken t, before the
// call runs again.
func BlockRestartQuiet(t *Thread, key uintptr) {
	Block(t, key, 0, 0)
	t.holdsResult = true
}
