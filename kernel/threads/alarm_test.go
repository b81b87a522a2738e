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
