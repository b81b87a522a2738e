package files

// Files in flight. A descriptor an app sends over a Unix socket
// (SCM_RIGHTS) leaves the sender's table at once, since the sender may
// close its descriptor before the message is read, and enters the
// receiver's when it reads the message. In between the file is parked
// here and counts as open, as a descriptor does, so its inode, pipe end
// or socket stays alive.

// MaxInflight bounds the files in flight at once.
const MaxInflight = 64

var inflight [MaxInflight]File

// Park copies descriptor fd into a free slot and returns the slot: -1
// when fd is not open, -2 when no slot is free, -3 when its kind cannot
// travel (epoll sets and the network stack's descriptors). The caller
// counts the new reference (as dup does).
func Park(fd int) int32 {
	f := Get(fd)
	if f == nil {
		return -1
	}
	switch f.Kind {
	case KindEpoll, KindNetstack, KindNIC:
		return -3
	}
	for i := range inflight {
		if inflight[i].Kind == KindFree {
			inflight[i] = *f
			inflight[i].FDFlags = 0
			return int32(i)
		}
	}
	return -2
}

// Parked returns the file in flight in slot.
func Parked(slot int32) *File { return &inflight[slot] }

// Unpark moves the file in slot to the lowest free descriptor and returns
// it; -1 when the table is full (the file stays in flight).
func Unpark(slot int32, cloexec bool) int {
	f := inflight[slot]
	if cloexec {
		f.FDFlags = FDCloexec
	}
	fd := Alloc(0, f)
	if fd >= 0 {
		inflight[slot] = File{}
	}
	return fd
}

// DropParked closes the file in slot: its message was never received.
func DropParked(slot int32) { release(&inflight[slot]) }
