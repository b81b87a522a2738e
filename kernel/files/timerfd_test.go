package files

import (
	"testing"

	"unigo.dev/unigo/kernel/threads"
)

func TestExpirations(t *testing.T) {
	for _, c := range []struct {
		next, interval, now int64
		n                   uint64
		after               int64
	}{
		{0, 0, 100, 0, 0},         // disarmed
		{150, 0, 100, 0, 150},     // not yet
		{100, 0, 100, 1, 0},       // one-shot, due: spent
		{100, 0, 900, 1, 0},       // one-shot, long past: once
		{100, 50, 100, 1, 150},    // periodic, due
		{100, 50, 149, 1, 150},    // within the first period
		{100, 50, 150, 2, 200},    // the second expiry too
		{100, 50, 1099, 20, 1100}, // 20 periods passed
	} {
		n, after := expirations(c.next, c.interval, c.now)
		if n != c.n || after != c.after {
			t.Errorf("expirations(%d, %d, %d) = %d, %d; want %d, %d", c.next, c.interval, c.now, n, after, c.n, c.after)
		}
	}
}

// fakeClock makes nanotime return *now for the test.
func fakeClock(t *testing.T, now *int64) {
	saved := nanotime
	nanotime = func() int64 { return *now }
	t.Cleanup(func() { nanotime = saved })
}

// newTimerFD opens a timerfd on a new timer woken by key.
func newTimerFD(t *testing.T, key uintptr) (int, *File) {
	slot := NewTimer(false, key)
	if slot < 0 {
		t.Fatal("no timer slot")
	}
	fd := Alloc(3, File{Kind: KindTimerfd, Timer: slot})
	if fd < 0 {
		t.Fatal("no descriptor")
	}
	t.Cleanup(func() { Close(fd) })
	return fd, Get(fd)
}

// A periodic timer: its alarm is the next expiry; the first expiry makes it
// readable and is an edge for epoll; unread, it wakes nobody again, and
// the read counts every period that passed and sets the alarm again.
func TestTimerPeriodic(t *testing.T) {
	Init()
	now := int64(1000)
	fakeClock(t, &now)
	fd, f := newTimerFD(t, 77)
	ep := NewEpoll()
	defer freeEpoll(int(ep))
	if e := EpollCtl(ep, EpollCtlAdd, fd, EventIn|EpollET, 5); e != 0 {
		t.Fatalf("EpollCtl: %d", e)
	}
	var out [4]Event
	SetTimer(f, 1050, 50)
	if Ready(fd) != 0 || EpollReady(ep, out[:]) != 0 {
		t.Fatal("ready before its time")
	}
	if at := threads.AlarmAt(int(f.Timer)); at != 1050 {
		t.Fatalf("alarm at %d, want 1050", at)
	}
	now = 1060
	if Ready(fd) != EventIn {
		t.Fatal("not readable after the first expiry")
	}
	if n := EpollReady(ep, out[:]); n != 1 || out[0].Data != 5 {
		t.Fatalf("EpollReady = %d %+v, want the timer's edge", n, out[0])
	}
	if threads.AlarmAt(int(f.Timer)) != 0 {
		t.Fatal("the alarm of an unread timer is still set")
	}
	now = 1260
	if n := EpollReady(ep, out[:]); n != 0 {
		t.Fatalf("an unread timer reported %d more edges", n)
	}
	if n := TakeExpirations(f); n != 5 { // 1050, 1100, ..., 1250
		t.Fatalf("read %d expirations, want 5", n)
	}
	if at := threads.AlarmAt(int(f.Timer)); at != 1300 {
		t.Fatalf("alarm at %d after the read, want 1300", at)
	}
	if n := TakeExpirations(f); n != 0 {
		t.Fatalf("a second read got %d", n)
	}
	if next, interval := GetTimer(f); next != 1300 || interval != 50 {
		t.Fatalf("GetTimer = %d, %d", next, interval)
	}
	now = 1300
	if n := EpollReady(ep, out[:]); n != 1 {
		t.Fatal("no edge for the expiry after the read")
	}
}

// A one-shot timer expires once and is disarmed; settime forgets what was
// not read; closing its last descriptor frees it and its alarm.
func TestTimerOneShot(t *testing.T) {
	Init()
	now := int64(5000)
	fakeClock(t, &now)
	fd, f := newTimerFD(t, 78)
	slot := f.Timer
	SetTimer(f, 5100, 0)
	now = 9000
	if n := TakeExpirations(f); n != 1 {
		t.Fatalf("one-shot: %d expirations", n)
	}
	if next, _ := GetTimer(f); next != 0 || threads.AlarmAt(int(slot)) != 0 {
		t.Fatal("a spent one-shot timer is still armed")
	}
	SetTimer(f, 9100, 10)
	now = 9200
	SetTimer(f, 0, 10) // disarm: the expirations go, and the period
	if n := TakeExpirations(f); n != 0 || Ready(fd) != 0 {
		t.Fatalf("disarmed timer: %d expirations, ready %#x", n, Ready(fd))
	}
	if _, interval := GetTimer(f); interval != 0 {
		t.Fatalf("disarmed timer keeps its period %d", interval)
	}
	SetTimer(f, 9300, 0)
	dup := Alloc(3, *f)
	Close(fd)
	if !timers[slot].used || threads.AlarmAt(int(slot)) != 9300 {
		t.Fatal("the timer went with a descriptor while a dup holds it")
	}
	Close(dup)
	if timers[slot].used || threads.AlarmAt(int(slot)) != 0 {
		t.Fatal("the timer outlived its last descriptor")
	}
}
