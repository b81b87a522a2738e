package files

// interest is one descriptor registered with an epoll instance.
type interest struct {
	fd      int32
	events  uint32
	data    uint64
	pending uint32 // edge-triggered: readiness seen since the last report
}

// An epoll instance can watch every descriptor of the table: Go's netpoller
// puts all of a program's sockets in one instance, so a server with 500
// connections has over 500 interests.
const (
	maxEpolls    = 16
	maxInterests = MaxFDs
)

// epollSet is an epoll instance: its interest list.
type epollSet struct {
	used bool
	n    int
	list [maxInterests]interest
}

var epolls [maxEpolls]epollSet

// epollsSeen bounds the slots of epolls ever handed out. The array is
// demand-paged BSS; Changed runs in interrupt handlers too (the network
// card's), where a page fault on a slot never touched would nest a second
// trap on the trap stack, so the loops that interrupts reach stop here.
var epollsSeen int

// Epoll flags.
const (
	EpollET      = 1 << 31
	EpollOneShot = 1 << 30
)

// NewEpoll creates an epoll instance and returns its index, or -1.
func NewEpoll() int32 {
	for i := range epolls {
		if !epolls[i].used {
			epolls[i] = epollSet{used: true}
			epollsSeen = max(epollsSeen, i+1)
			return int32(i)
		}
	}
	return -1
}

func freeEpoll(i int) { epolls[i].used = false }

// forgetInEpolls removes a closed fd from every interest list, as Linux does
// when the last reference to a file goes.
func forgetInEpolls(fd int) {
	for i := range epollsSeen {
		if epolls[i].used {
			epolls[i].remove(int32(fd))
		}
	}
}

func (e *epollSet) find(fd int32) int {
	for i := 0; i < e.n; i++ {
		if e.list[i].fd == fd {
			return i
		}
	}
	return -1
}

func (e *epollSet) remove(fd int32) bool {
	i := e.find(fd)
	if i < 0 {
		return false
	}
	e.list[i] = e.list[e.n-1]
	e.n--
	return true
}

// Errors of EpollCtl, as errno values.
const (
	errExist = 17
	errNoEnt = 2
	errNoSpc = 28
	errInval = 22
	errBadF  = 9
	errPerm  = 1
)

// epoll_ctl operations.
const (
	EpollCtlAdd = 1
	EpollCtlDel = 2
	EpollCtlMod = 3
)

// EpollCtl changes the interest list of epoll instance ep. It returns 0 or
// a negative errno.
func EpollCtl(ep int32, op int, fd int, events uint32, data uint64) int64 {
	f := Get(fd)
	if f == nil {
		return -errBadF
	}
	if f.Kind == KindFile || f.Kind == KindDevice {
		return -errPerm // as Linux: regular files are always ready, not pollable
	}
	e := &epolls[ep]
	i := e.find(int32(fd))
	switch op {
	case EpollCtlAdd:
		if i >= 0 {
			return -errExist
		}
		if e.n == maxInterests {
			return -errNoSpc
		}
		e.list[e.n] = interest{int32(fd), events, data, Ready(fd)}
		e.n++
	case EpollCtlDel:
		if i < 0 {
			return -errNoEnt
		}
		e.remove(int32(fd))
	case EpollCtlMod:
		if i < 0 {
			return -errNoEnt
		}
		e.list[i].events, e.list[i].data, e.list[i].pending = events, data, Ready(fd)
	default:
		return -errInval
	}
	return 0
}

// Event is one ready descriptor, as epoll_wait reports it.
type Event struct {
	Events uint32
	Data   uint64
}

// Changed records that fd's readiness may have changed: edge-triggered
// interests in it report again.
func Changed(fd int) {
	for i := range epollsSeen {
		e := &epolls[i]
		if !e.used {
			continue
		}
		if j := e.find(int32(fd)); j >= 0 {
			e.list[j].pending |= Ready(fd)
		}
	}
}

// EpollReady fills out with ready events (at most len(out)) and returns the
// count. Level-triggered interests report while the descriptor is ready;
// edge-triggered ones (EPOLLET, as Go's netpoller uses) once per change.
func EpollReady(ep int32, out []Event) int {
	timersDue()
	signalsDue()
	e := &epolls[ep]
	n := 0
	for i := 0; i < e.n && n < len(out); i++ {
		in := &e.list[i]
		mask := in.events | EventErr | EventHup
		ev := Ready(int(in.fd)) & mask
		if in.events&EpollET != 0 {
			ev &= in.pending
			in.pending = 0
		}
		if ev == 0 {
			continue
		}
		out[n] = Event{ev, in.data}
		n++
		if in.events&EpollOneShot != 0 {
			in.events = 0
		}
	}
	return n
}
