package files

import (
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/threads"
)

// Signalfds: a descriptor of KindSignalfd names a mask here (File.Sigfd),
// shared by dup'ed descriptors, so that signalfd(fd, mask) changes it for
// all of them. The descriptor is readable while a signal of its mask waits,
// blocked, in the app (package signals keeps the pending signals; its
// Queued count tells epoll that one came).

// MaxSignalfds bounds the signalfds open at once.
const MaxSignalfds = 32

type signalfd struct {
	used bool
	mask uint64
}

var signalfds [MaxSignalfds]signalfd

// queuedSeen is the signals.Queued count epoll's interests have seen.
var queuedSeen uint64

// NewSignalfd makes a signalfd's mask and returns its slot, or -1.
func NewSignalfd(mask uint64) int32 {
	for i := range signalfds {
		if !signalfds[i].used {
			signalfds[i] = signalfd{used: true, mask: mask}
			return int32(i)
		}
	}
	return -1
}

// SignalfdMask is the mask of signalfd f.
func SignalfdMask(f *File) uint64 { return signalfds[f.Sigfd].mask }

// SetSignalfdMask replaces the mask of signalfd f (and of its dups).
func SetSignalfdMask(f *File, mask uint64) { signalfds[f.Sigfd].mask = mask }

// signalfdReady is a signalfd's readiness, for the app's descriptors.
func signalfdReady(f *File) uint32 {
	if signals.PendingIn(threads.App, signalfds[f.Sigfd].mask) {
		return EventIn
	}
	return 0
}

// signalsDue records, for epoll's edge-triggered interests, that every
// signalfd may have become readable when a watched signal was raised since
// the last look.
func signalsDue() {
	q := signals.Queued()
	if q == queuedSeen {
		return
	}
	queuedSeen = q
	changedWhere(func(f *File) bool { return f.Kind == KindSignalfd })
}

// ReleaseSignalfd frees slot i when no descriptor or file in flight names
// it any more.
func ReleaseSignalfd(i int32) {
	if !referenced(func(f *File) bool { return f.Kind == KindSignalfd && f.Sigfd == i }) {
		signalfds[i] = signalfd{}
	}
}
