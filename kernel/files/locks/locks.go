// Package locks is the table of file locks: flock(2) locks, POSIX record
// locks (fcntl F_SETLK) and open-file-description locks (F_OFD_SETLK),
// with Linux's rules between the app's own descriptors. A unikernel runs
// one process, so:
//   - POSIX record locks all belong to that process: they never conflict
//     with each other (a new one merges with or splits the old ranges, as
//     Linux does for one process), and they go when any descriptor of the
//     file is closed (Linux's rule, ReleasePosix);
//   - flock locks and OFD locks belong to an open file description (an
//     open(2) and its dups): two descriptions opened separately on one file
//     conflict, as two processes would on Linux, and their locks go when
//     the description's last descriptor is closed (ReleaseDesc);
//   - flock locks and record locks are apart (Linux keeps them apart), but
//     POSIX and OFD record locks share one range space and conflict with
//     each other.
//
// Trap path: a fixed table, no allocation, no pointers. The caller (package
// filecalls) decides what a conflict means: EAGAIN for a non-blocking
// request, or a sleep on Key until a lock goes away.
package locks

// Owner of a lock: PosixOwner for the process's POSIX locks, else the
// open file description (files.File.Desc, never 0).
const PosixOwner = 0

// Lock types, as fcntl's l_type.
const (
	Read   = 0 // F_RDLCK; flock's LOCK_SH
	Write  = 1 // F_WRLCK; flock's LOCK_EX
	Unlock = 2 // F_UNLCK
)

// ToEnd is the last byte of a lock that runs to the end of the file (and
// beyond, as the file grows).
const ToEnd = int64(^uint64(0) >> 1)

// Errors, as errno values.
const (
	EAGAIN = 11 // a conflicting lock is held
	ENOLCK = 37 // the table is full
)

// Key is the wait channel of the requests that wait for a lock
// (F_SETLKW, flock without LOCK_NB): every release wakes them all and they
// run their call again. Apart from addresses and the other key ranges.
const Key = 0xffff_f200_0000_0000

// MaxLocks bounds the table.
const MaxLocks = 512

type kind uint8

const (
	kindFlock kind = iota + 1
	kindRecord
)

// lock is one held lock: bytes start..end (inclusive) of inode ino.
type lock struct {
	ino, owner uint32
	kind       kind
	typ        uint8
	start, end int64
}

var (
	table [MaxLocks]lock
	top   int // slots in use are below top
	used  int
)

// Held reports whether any lock is held: the close path skips its scans
// when none is.
func Held() bool { return used > 0 }

func (l *lock) free() bool { return l.kind == 0 }

func remove(i int) {
	table[i] = lock{}
	used--
	for top > 0 && table[top-1].free() {
		top--
	}
}

func insert(l lock) bool {
	for i := range table {
		if table[i].free() {
			table[i] = l
			used++
			top = max(top, i+1)
			return true
		}
	}
	return false
}

func overlaps(l *lock, start, end int64) bool { return l.start <= end && start <= l.end }

// Conflict describes the lock that stands in the way of a request.
type Conflict struct {
	Type       uint8
	Start, End int64
	Posix      bool // a POSIX lock (the process's), else a description's
}

// TestRecord returns the record lock that would stop owner from taking a
// lock of type typ on bytes start..end of ino (F_GETLK), ok false when
// there is none.
func TestRecord(ino, owner uint32, typ uint8, start, end int64) (c Conflict, ok bool) {
	for i := 0; i < top; i++ {
		l := &table[i]
		if l.kind == kindRecord && l.ino == ino && l.owner != owner && overlaps(l, start, end) &&
			(l.typ == Write || typ == Write) {
			return Conflict{l.typ, l.start, l.end, l.owner == PosixOwner}, true
		}
	}
	return Conflict{}, false
}

// SetRecord takes (Read, Write) or lets go of (Unlock) bytes start..end
// of ino for owner. The owner's own locks never conflict: the new range
// replaces what it overlaps of them and merges with its neighbours of the
// same type. It returns EAGAIN when another owner's lock conflicts, ENOLCK
// when the table has no room, and whether any lock went away (waiters
// should look again).
func SetRecord(ino, owner uint32, typ uint8, start, end int64) (errno int, released bool) {
	if typ != Unlock {
		if _, c := TestRecord(ino, owner, typ, start, end); c {
			return EAGAIN, false
		}
	}
	// A split takes one more slot and the new lock another.
	if MaxLocks-used < 2 {
		return ENOLCK, false
	}
	newStart, newEnd := start, end
	for i := 0; i < top; i++ {
		l := &table[i]
		if l.kind != kindRecord || l.ino != ino || l.owner != owner {
			continue
		}
		touches := l.start <= satAdd(end) && satSub(start) <= l.end
		switch {
		case typ != Unlock && l.typ == typ && touches:
			newStart, newEnd = min(newStart, l.start), max(newEnd, l.end)
			remove(i)
		case !overlaps(l, start, end):
		case l.start < start && l.end > end: // the middle goes: split in two
			tail := *l
			tail.start = end + 1
			l.end = start - 1
			insert(tail)
			released = true
		case l.start < start:
			l.end = start - 1
			released = true
		case l.end > end:
			l.start = end + 1
			released = true
		default:
			remove(i)
			released = true
		}
	}
	if typ != Unlock {
		insert(lock{ino: ino, owner: owner, kind: kindRecord, typ: typ, start: newStart, end: newEnd})
	}
	return 0, released
}

func satAdd(x int64) int64 {
	if x == ToEnd {
		return x
	}
	return x + 1
}

func satSub(x int64) int64 {
	if x == 0 {
		return x
	}
	return x - 1
}

// Flock takes (Read: LOCK_SH, Write: LOCK_EX) or lets go of (Unlock) the
// flock lock of description desc on ino. As Linux does, a conversion lets
// go of the old lock first, so a conversion that conflicts leaves none. It
// returns EAGAIN when another description's lock conflicts, ENOLCK when
// the table is full, and whether a lock went away.
func Flock(ino, desc uint32, typ uint8) (errno int, released bool) {
	for i := 0; i < top; i++ {
		l := &table[i]
		if l.kind == kindFlock && l.ino == ino && l.owner == desc {
			if l.typ == typ {
				return 0, false
			}
			remove(i)
			released = true
			break
		}
	}
	if typ == Unlock {
		return 0, released
	}
	for i := 0; i < top; i++ {
		l := &table[i]
		if l.kind == kindFlock && l.ino == ino && l.owner != desc && (l.typ == Write || typ == Write) {
			return EAGAIN, released
		}
	}
	if !insert(lock{ino: ino, owner: desc, kind: kindFlock, typ: typ, end: ToEnd}) {
		return ENOLCK, released
	}
	return 0, released
}

// ReleasePosix lets go of the process's record locks on ino: a descriptor
// of it was closed. It reports whether any went.
func ReleasePosix(ino uint32) bool {
	released := false
	for i := 0; i < top; i++ {
		l := &table[i]
		if l.kind == kindRecord && l.ino == ino && l.owner == PosixOwner {
			remove(i)
			released = true
		}
	}
	return released
}

// ReleaseDesc lets go of the flock and OFD locks of description desc: its
// last descriptor was closed. It reports whether any went.
func ReleaseDesc(desc uint32) bool {
	released := false
	for i := 0; i < top; i++ {
		l := &table[i]
		if !l.free() && l.owner == desc && desc != PosixOwner {
			remove(i)
			released = true
		}
	}
	return released
}

// OwnsAny reports whether description desc holds a lock.
func OwnsAny(desc uint32) bool {
	for i := 0; i < top; i++ {
		if !table[i].free() && table[i].owner == desc {
			return true
		}
	}
	return false
}
