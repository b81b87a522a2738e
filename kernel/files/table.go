// Package files is the kernel's file-descriptor table and the file kinds
// that need no file system: the console streams, eventfd and epoll (the Go
// runtime's netpoller is built on the last two). The VFS joins here later.
// Trap path: no allocation; files are slots in a fixed table.
package files

import (
	"unigo.dev/unigo/kernel/devices/virtionet"
	"unigo.dev/unigo/kernel/files/locks"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/threads"
)

// Kind is what a descriptor refers to.
type Kind uint8

const (
	KindFree Kind = iota
	KindConsoleIn
	KindConsoleOut
	KindConsoleErr
	KindEventfd
	KindEpoll
	KindFile   // a regular file, directory or symbolic link (O_PATH) in memfs
	KindDevice // /dev/null, /dev/zero, /dev/urandom
	KindPipeRead
	KindPipeWrite
	KindSocket   // a socket of package sockets
	KindNetstack // the network stack's work descriptor (privcalls.NetAttach)
	KindNIC      // the network card's receive descriptor (privcalls.NICOpen)
	KindNetlink  // a netlink route socket (Sock: its slot in package netcalls)
	KindTimerfd  // a timer (Timer: its slot in timers)
	KindSignalfd // a signalfd (Sigfd: its slot in signalfds)
)

// Status flags (open(2) / fcntl F_GETFL) and descriptor flags.
const (
	ORdonly   = 0
	OWronly   = 1
	ORdwr     = 2
	ONonblock = 0o4000
	OCloexec  = 0o2000000
	FDCloexec = 1
)

// File is one open file description.
type File struct {
	Kind    Kind
	Flags   uint32 // O_* status flags
	FDFlags uint32 // FD_CLOEXEC
	Count   uint64 // eventfd counter
	Epoll   int32  // index into epolls for KindEpoll
	Ino     uint32 // the memfs inode of KindFile and KindDevice
	Rdev    uint32 // which device, for KindDevice
	Off     int64  // the file offset
	Pipe    int32  // index into pipes for the pipe kinds
	Sock    int32  // the socket of KindSocket
	Timer   int32  // the timer of KindTimerfd
	Sigfd   int32  // the signalfd of KindSignalfd
	// Desc names the open file description of KindFile and KindDevice: an
	// open(2) gives a new one (Alloc), dup and SCM_RIGHTS copy it. flock
	// and OFD locks belong to it (package locks).
	Desc uint32
}

// AppFDs bounds the app's descriptors (RLIMIT_NOFILE); the numbers from
// there to MaxFDs are the service process's (threads.Service), which the
// app cannot name: one table, so that epoll and the readiness scans need
// not know whose a descriptor is, with two processes' numbers apart.
const (
	AppFDs = 1024
	MaxFDs = AppFDs + 256
)

var fds [MaxFDs]File

// fdRange is the current thread's process's descriptors: [lo, hi).
func fdRange() (lo, hi int) {
	if threads.Current().Proc == threads.Service {
		return AppFDs, MaxFDs
	}
	return 0, AppFDs
}

// Limit is the end of the current process's descriptor numbers.
func Limit() int {
	_, hi := fdRange()
	return hi
}

// fdsSeen bounds the app's descriptors ever allocated (Alloc is the only
// way in), serviceSeen the service process's (from AppFDs). The table is
// demand-paged; the loops that the network card's interrupt reaches
// (NICChanged...) visit only these (nextSeen), so they never fault on a page
// no descriptor has touched: a fault in an interrupt handler would nest a
// second trap on the trap stack.
var (
	fdsSeen     = 3
	serviceSeen = AppFDs
)

// nextSeen is the descriptor after fd in a scan of every descriptor ever
// allocated: for fd := 0; fd < serviceSeen; fd = nextSeen(fd).
func nextSeen(fd int) int {
	fd++
	if fd == fdsSeen && fd < AppFDs {
		return AppFDs
	}
	return fd
}

// referenced reports whether a descriptor, or a file in flight, matches:
// whether a slot some descriptor kind names (a socket, a timer...) is
// still in use.
func referenced(match func(f *File) bool) bool {
	for fd := 0; fd < serviceSeen; fd = nextSeen(fd) {
		if match(&fds[fd]) {
			return true
		}
	}
	for i := range inflight {
		if match(&inflight[i]) {
			return true
		}
	}
	return false
}

// changedWhere records a possible readiness change (Changed) for every
// descriptor that matches.
func changedWhere(match func(f *File) bool) {
	for fd := 0; fd < serviceSeen; fd = nextSeen(fd) {
		if match(&fds[fd]) {
			Changed(fd)
		}
	}
}

var booted bool

// Init opens descriptors 0, 1 and 2 on the console.
func Init() {
	fds[0] = File{Kind: KindConsoleIn, Flags: ORdonly}
	fds[1] = File{Kind: KindConsoleOut, Flags: OWronly}
	fds[2] = File{Kind: KindConsoleErr, Flags: OWronly}
	booted = true
}

// Get returns the open file at fd, or nil (also for a descriptor of the
// other process, but for the service, which sees the console's 0-2 too).
func Get(fd int) *File {
	if fd < 0 || fd >= Limit() {
		return nil
	}
	return slot(fd)
}

// slot is Get for any process's descriptor: for the scans on readiness
// changes, which run on whatever thread is current.
func slot(fd int) *File {
	if fd < 0 || fd >= MaxFDs || fds[fd].Kind == KindFree {
		return nil
	}
	return &fds[fd]
}

// Alloc returns the lowest free descriptor at or above min, or -1.
func Alloc(min int, f File) int {
	if f.Desc == 0 && (f.Kind == KindFile || f.Kind == KindDevice) {
		nextDesc++
		f.Desc = nextDesc
	}
	lo, hi := fdRange()
	for fd := max(min, lo); fd < hi; fd++ {
		if fds[fd].Kind == KindFree {
			fds[fd] = f
			if fd < AppFDs {
				fdsSeen = max(fdsSeen, fd+1)
			} else {
				serviceSeen = max(serviceSeen, fd+1)
			}
			return fd
		}
	}
	return -1
}

// nextDesc numbers the open file descriptions (File.Desc).
var nextDesc uint32

// Close frees fd. It returns false when fd was not open.
func Close(fd int) bool {
	f := Get(fd)
	if f == nil {
		return false
	}
	forgetInEpolls(fd)
	release(f)
	return true
}

// release lets go of what the open file f holds (its inode, pipe end,
// socket...) and frees its slot, of the descriptor table or of the files
// in flight.
func release(f *File) {
	if f.Kind == KindEpoll {
		freeEpoll(int(f.Epoll))
	}
	if f.Kind == KindFile || f.Kind == KindDevice {
		releaseLocks(f)
		memfs.Close(memfs.Ino(f.Ino))
	}
	if f.Kind == KindPipeRead || f.Kind == KindPipeWrite {
		if ino := f.pipe().fifo; ino != 0 {
			memfs.Close(memfs.Ino(ino))
		}
		closePipeEnd(f)
	}
	sock, kind, timer, sigfd := f.Sock, f.Kind, f.Timer, f.Sigfd
	*f = File{}
	switch {
	case kind == KindSocket && !socketOpen(sock):
		Sockets.Close(sock)
	case kind == KindNetstack:
		Sockets.Detach()
	case kind == KindTimerfd:
		ReleaseTimer(timer)
	case kind == KindSignalfd:
		ReleaseSignalfd(sigfd)
	}
}

// Readiness events (epoll's EPOLLIN etc).
const (
	EventIn  = 0x001
	EventOut = 0x004
	EventErr = 0x008
	EventHup = 0x010
)

// Ready returns the events fd could report now.
func Ready(fd int) uint32 {
	f := slot(fd)
	if f == nil {
		return 0
	}
	switch f.Kind {
	case KindConsoleOut, KindConsoleErr:
		return EventOut
	case KindConsoleIn:
		return EventIn | EventHup // end of file at once
	case KindFile, KindDevice:
		return EventIn | EventOut
	case KindPipeRead, KindPipeWrite:
		return pipeReady(f)
	case KindSocket:
		return Sockets.Ready(f.Sock)
	case KindNetstack:
		if Sockets.WorkPending() {
			return EventIn
		}
		return 0
	case KindNIC:
		if virtionet.Pending() {
			return EventIn
		}
		return 0
	case KindEventfd:
		ev := uint32(EventOut)
		if f.Count > 0 {
			ev |= EventIn
		}
		return ev
	case KindTimerfd:
		return timerReady(f)
	case KindSignalfd:
		return signalfdReady(f)
	}
	return 0
}

// releaseLocks lets go of the locks that closing f ends (package locks):
// the process's POSIX locks on the file, whichever descriptor took them,
// and the description's flock and OFD locks when f was its last
// descriptor; threads waiting for a lock then look again.
func releaseLocks(f *File) {
	if !locks.Held() {
		return
	}
	released := locks.ReleasePosix(f.Ino)
	if locks.OwnsAny(f.Desc) && !descOpenElsewhere(f) {
		released = locks.ReleaseDesc(f.Desc) || released
	}
	if released {
		threads.WakeRestartAll(locks.Key)
	}
}

// descOpenElsewhere reports whether a descriptor or a file in flight other
// than f shares f's open file description.
func descOpenElsewhere(f *File) bool {
	return referenced(func(g *File) bool { return g != f && g.Desc == f.Desc && (g.Kind == KindFile || g.Kind == KindDevice) })
}
