package locks

import (
	"fmt"
	"sort"
	"testing"
)

func reset() { table, top, used = [MaxLocks]lock{}, 0, 0 }

// ranges lists owner's record locks on ino as "typ:start-end", sorted.
func ranges(ino, owner uint32) string {
	var out []string
	for i := 0; i < top; i++ {
		l := table[i]
		if l.kind == kindRecord && l.ino == ino && l.owner == owner {
			end := fmt.Sprint(l.end)
			if l.end == ToEnd {
				end = "EOF"
			}
			out = append(out, fmt.Sprintf("%d:%d-%s", l.typ, l.start, end))
		}
	}
	sort.Strings(out)
	return fmt.Sprint(out)
}

// One process's POSIX locks never conflict: they merge and split.
func TestPosixMergeSplit(t *testing.T) {
	reset()
	must := func(typ uint8, s, e int64) {
		t.Helper()
		if errno, _ := SetRecord(7, PosixOwner, typ, s, e); errno != 0 {
			t.Fatalf("SetRecord(%d, %d-%d) = %d", typ, s, e, errno)
		}
	}
	must(Write, 0, 9)
	must(Write, 10, 19) // adjacent, same type: one lock
	if got := ranges(7, PosixOwner); got != "[1:0-19]" {
		t.Fatalf("merged: %s", got)
	}
	must(Read, 5, 9) // a read lock in the middle splits the write lock
	if got := ranges(7, PosixOwner); got != "[0:5-9 1:0-4 1:10-19]" {
		t.Fatalf("split: %s", got)
	}
	must(Unlock, 0, 7)
	if got := ranges(7, PosixOwner); got != "[0:8-9 1:10-19]" {
		t.Fatalf("unlocked: %s", got)
	}
	must(Write, 0, ToEnd)
	if got := ranges(7, PosixOwner); got != "[1:0-EOF]" {
		t.Fatalf("to the end: %s", got)
	}
	if _, c := TestRecord(7, PosixOwner, Write, 0, 100); c {
		t.Fatal("the process's own lock reported as a conflict")
	}
	if !ReleasePosix(7) || Held() {
		t.Fatal("ReleasePosix left locks")
	}
}

// OFD locks of two descriptions conflict with each other and with the
// process's POSIX locks; reads share.
func TestOFDConflicts(t *testing.T) {
	reset()
	if e, _ := SetRecord(7, 1, Read, 0, 99); e != 0 {
		t.Fatal(e)
	}
	if e, _ := SetRecord(7, 2, Read, 50, 149); e != 0 {
		t.Fatal("two read locks must share:", e)
	}
	if e, _ := SetRecord(7, 2, Write, 50, 149); e != EAGAIN {
		t.Fatal("write over another description's read lock:", e)
	}
	if e, _ := SetRecord(7, PosixOwner, Write, 0, 0); e != EAGAIN {
		t.Fatal("POSIX write over an OFD read lock:", e)
	}
	c, ok := TestRecord(7, PosixOwner, Write, 0, 10)
	if !ok || c.Type != Read || c.Start != 0 || c.End != 99 || c.Posix {
		t.Fatalf("TestRecord = %+v %v", c, ok)
	}
	if e, _ := SetRecord(8, 2, Write, 0, 10); e != 0 {
		t.Fatal("another file:", e)
	}
	if !ReleaseDesc(1) {
		t.Fatal("ReleaseDesc(1) released nothing")
	}
	if e, _ := SetRecord(7, PosixOwner, Write, 0, 49); e != 0 {
		t.Fatal("after the release:", e)
	}
}

// flock: descriptions conflict, shared locks share, conversion lets go
// first, unlock releases.
func TestFlock(t *testing.T) {
	reset()
	if e, _ := Flock(7, 1, Write); e != 0 {
		t.Fatal(e)
	}
	if e, _ := Flock(7, 1, Write); e != 0 {
		t.Fatal("again by the same description:", e)
	}
	if e, _ := Flock(7, 2, Read); e != EAGAIN {
		t.Fatal("shared under another's exclusive:", e)
	}
	if e, rel := Flock(7, 1, Read); e != 0 || !rel {
		t.Fatal("downgrade:", e, rel)
	}
	if e, _ := Flock(7, 2, Read); e != 0 {
		t.Fatal("two shared:", e)
	}
	if e, rel := Flock(7, 1, Write); e != EAGAIN || !rel {
		t.Fatal("a conflicting upgrade fails and loses the old lock, as on Linux:", e, rel)
	}
	if e, _ := SetRecord(7, PosixOwner, Write, 0, ToEnd); e != 0 {
		t.Fatal("record locks are apart from flock locks:", e)
	}
	if e, rel := Flock(7, 2, Unlock); e != 0 || !rel {
		t.Fatal("unlock:", e, rel)
	}
	if e, _ := Flock(7, 1, Write); e != 0 {
		t.Fatal("after the unlock:", e)
	}
}

// The table is bounded: ENOLCK when it is full, and nothing is lost.
func TestTableFull(t *testing.T) {
	reset()
	for i := 0; i < MaxLocks-1; i++ {
		if e, _ := SetRecord(uint32(100+i), PosixOwner, Write, 0, 0); e != 0 {
			t.Fatalf("lock %d: %d", i, e)
		}
	}
	if e, _ := SetRecord(1, PosixOwner, Write, 0, 0); e != ENOLCK {
		t.Fatal("full table:", e)
	}
	if e, _ := Flock(1, 1, Write); e != 0 {
		t.Fatal("the last slot:", e)
	}
	if e, _ := Flock(2, 1, Write); e != ENOLCK {
		t.Fatal("no slot left:", e)
	}
	for i := 0; i < MaxLocks-1; i++ {
		ReleasePosix(uint32(100 + i))
	}
	ReleaseDesc(1)
	if Held() || top != 0 {
		t.Fatalf("used %d top %d after releasing all", used, top)
	}
}
