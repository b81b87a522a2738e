package signals

import (
	"testing"

	"unigo.dev/unigo/kernel/threads"
)

const (
	sigUSR1 = 10
	sigUSR2 = 12
)

// A blocked signal stays pending, even one ignored by default; a watched
// one wakes the readiness waiters; signalfd's reads take the reader's own
// first, then those other threads of the process block.
func TestQueuedSignals(t *testing.T) {
	const key = 0x5678
	reader, other, waiter := threads.New(), threads.New(), threads.New()
	t.Cleanup(func() { threads.Exit(reader); threads.Exit(other); threads.Exit(waiter) })
	SetMask(reader, bit(sigUSR1)|bit(SIGWINCH))
	SetMask(other, bit(sigUSR2))
	waiter.Frame.RAX, waiter.Frame.RIP = 232, 0x2002 // epoll_wait
	threads.BlockRestart(waiter, key)

	Raise(reader, SIGWINCH, SIUser, 0)
	if reader.SigPending&bit(SIGWINCH) == 0 {
		t.Fatal("a blocked SIGWINCH was dropped")
	}
	Raise(other, SIGWINCH, SIUser, 0)
	if other.SigPending&bit(SIGWINCH) != 0 {
		t.Fatal("an unblocked, ignored SIGWINCH stayed pending")
	}
	if PendingIn(threads.App, bit(sigUSR1)|bit(sigUSR2)) {
		t.Fatal("pending before any was raised")
	}

	Watch(bit(sigUSR1)|bit(sigUSR2), key)
	q := Queued()
	Raise(other, sigUSR2, SIUser, 0)
	if !PendingIn(threads.App, bit(sigUSR2)) || Queued() == q {
		t.Fatal("a blocked, watched SIGUSR2 is not pending and counted")
	}
	if waiter.IsBlocked() || waiter.Frame.RIP != 0x2000 {
		t.Fatal("the readiness waiter was not restarted")
	}
	Raise(reader, sigUSR1, SITkill, 0)

	mask := bit(sigUSR1) | bit(sigUSR2)
	if sig, info := Dequeue(reader, mask); sig != sigUSR1 || info.Code != SITkill {
		t.Fatalf("first read: signal %d code %d, want the reader's own SIGUSR1", sig, info.Code)
	}
	if sig, info := Dequeue(reader, mask); sig != sigUSR2 || info.Code != SIUser {
		t.Fatalf("second read: signal %d code %d, want the other thread's SIGUSR2", sig, info.Code)
	}
	if sig, _ := Dequeue(reader, mask); sig != 0 || PendingIn(threads.App, mask) {
		t.Fatalf("third read took %d", sig)
	}
}
