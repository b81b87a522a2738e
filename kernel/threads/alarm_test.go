package threads

import "testing"

// An alarm is a deadline the scheduler keeps: expire counts it in the next
// deadline, and once it passes restarts the system call of every thread
// blocked on its key, once.
func TestAlarm(t *testing.T) {
	const key = 0x1234
	w := New()
	w.Frame.RAX, w.Frame.RIP = 7, 0x1002 // blocked in poll(2), after its SYSCALL
	Block(w, key, 0, 0)
	other := New()
	Block(other, key+1, 500, -110)
	t.Cleanup(func() { Exit(w); Exit(other); SetAlarm(3, 0, 0) })

	SetAlarm(3, 300, key)
	if next := expire(100); next != 300 {
		t.Fatalf("next deadline %d, want the alarm's 300", next)
	}
	if !w.IsBlocked() {
		t.Fatal("woken before the alarm")
	}
	if next := expire(300); next != 500 {
		t.Fatalf("next deadline %d after the alarm, want the other thread's 500", next)
	}
	if w.IsBlocked() || w.Frame.RAX != 7 || w.Frame.RIP != 0x1000 {
		t.Fatalf("the waiter was not restarted: blocked %v RAX %d RIP %#x", w.IsBlocked(), w.Frame.RAX, w.Frame.RIP)
	}
	if !other.IsBlocked() || AlarmAt(3) != 0 {
		t.Fatal("the alarm woke a thread of another key, or stayed set")
	}

	SetAlarm(3, 600, key)
	SetAlarm(4, 400, key)
	SetAlarm(4, 0, 0)
	if alarmsNext != 600 {
		t.Fatalf("earliest alarm %d after clearing one, want 600", alarmsNext)
	}
	SetAlarm(3, 0, 0)
	if alarmsNext != noAlarm {
		t.Fatalf("earliest alarm %d with none set", alarmsNext)
	}
}

// A call woken to run again keeps its deadline, for itself only: not for a
// signal handler's call run first (another stack), and not once a call has
// returned.
func TestRestartKeepsDeadline(t *testing.T) {
	const key = 0x4321
	w := New()
	t.Cleanup(func() { Exit(w) })
	w.Frame.RAX, w.Frame.RIP, w.Frame.RSP = 7, 0x1002, 0x8000
	Block(w, key, 900, 0)
	WakeRestartAll(key)
	if d, ok := w.RestartDeadline(); !ok || d != 900 {
		t.Fatalf("RestartDeadline = %d, %v; want 900", d, ok)
	}
	w.Frame.RSP = 0x7000 // a handler's frame
	if _, ok := w.RestartDeadline(); ok {
		t.Fatal("a signal handler's call got the restarted call's deadline")
	}
	w.Frame.RSP = 0x8000
	w.Returned()
	if _, ok := w.RestartDeadline(); ok {
		t.Fatal("the deadline outlived the call")
	}
	Block(w, key, 0, 0) // waiting for ever: nothing to keep
	WakeRestartAll(key)
	if _, ok := w.RestartDeadline(); ok {
		t.Fatal("a call without a deadline got one")
	}
}
