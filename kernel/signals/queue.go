package signals

import "unigo.dev/unigo/kernel/threads"

// Pending signals read as data: a signalfd (package files) is readable
// while a signal of its mask waits, blocked, on a thread of its process,
// and its read takes the signal instead of a handler. Signals sent to the
// process (kill, the host's `unigo stop`) wait on whichever thread
// RaiseProcess chose, so a reader takes them from any thread of its
// process that blocks them, its own pending signals first.

// watch is what Raise tells of signals that stay pending: the signals some
// signalfd reads (a mask that only grows: a spurious wake-up costs a
// restarted call), the wait channel of the threads that wait for a
// descriptor's readiness, and a count of such signals raised, for epoll's
// edge-triggered interests (Queued). Raise reaches it from interrupt
// handlers (the host's signal): the non-zero initialiser keeps it in
// loaded data.
var watch = struct {
	mask   uint64
	key    uintptr
	queued uint64
}{queued: 1}

// Watch makes raising a signal of mask that a thread blocks wake the
// threads blocked on key, to run their call again.
func Watch(mask uint64, key uintptr) {
	watch.mask |= mask
	watch.key = key
}

// Queued counts the watched signals raised while blocked: a change means a
// signalfd may have become readable.
func Queued() uint64 { return watch.queued }

// queued notes that sig stays pending on a thread that blocks it.
func queued(sig int) {
	if watch.mask&bit(sig) == 0 {
		return
	}
	watch.queued++
	threads.WakeRestartAll(watch.key)
}

// PendingIn reports whether a signal of mask waits, blocked, on a thread
// of process p.
func PendingIn(p threads.Proc, mask uint64) bool {
	waits := func(u *threads.Thread) bool { return u.SigPending&u.SigMask&mask != 0 }
	u := threads.FirstWith(p, waits)
	return u != nil && waits(u)
}

// Dequeue takes the lowest signal of mask pending on t, else one another
// thread of t's process blocks, and returns it with what is known of it;
// sig is 0 when there is none.
func Dequeue(t *threads.Thread, mask uint64) (sig int, info threads.SigInfo) {
	u := t
	if t.SigPending&mask == 0 {
		waits := func(u *threads.Thread) bool { return u.SigPending&u.SigMask&mask != 0 }
		if u = threads.FirstWith(t.Proc, waits); u == nil || !waits(u) {
			return 0, threads.SigInfo{}
		}
		mask &= u.SigMask
	}
	set := u.SigPending & mask
	sig = 1
	for set&1 == 0 {
		set >>= 1
		sig++
	}
	u.SigPending &^= bit(sig)
	return sig, u.SigInfo[sig]
}
