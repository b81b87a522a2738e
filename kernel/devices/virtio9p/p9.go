// Package virtio9p drives virtio-9p devices: directories of the host that
// QEMU shares with the guest (-fsdev local + virtio-9p-device or
// virtio-9p-pci), each named by its mount tag. It moves 9P messages and
// nothing else: the protocol is package fs/ninep's. Requests are
// synchronous, as virtio-blk's: the request copied into request pages,
// the chain submitted with the reply pages, and the queue polled until the
// device answers. Trap path: no allocation; state is plain values in fixed
// arrays.
package virtio9p

import (
	"unigo.dev/unigo/kernel/devices/virtio"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
)

// MaxDevices bounds the shared directories driven.
const MaxDevices = 8

// MaxTag is the longest mount tag kept.
const MaxTag = 64

// MsgPages is how many pages a message takes at most, each way: the
// largest message (Msize) is one request's pages.
const MsgPages = 16

// Msize is the largest 9P message exchanged (the msize offered at
// Tversion): 64 KiB, so a read or write moves up to ~64 KiB per request.
const Msize = MsgPages * memory.PageSize

// Errors, as errno values.
const (
	EIO    = 5
	ENXIO  = 6
	EINVAL = 22
)

const featMountTag = 1 << 0 // the configuration holds the mount tag

// timeout is how long the host may take to answer one message.
const timeout = 60e9

type device struct {
	dev    virtio.Device
	q      virtio.Queue
	tag    [MaxTag]byte
	tagLen int
	failed bool // a request timed out: its buffers may still be the device's
}

var (
	devices [MaxDevices]device
	count   int
	out, in [MsgPages]uintptr // physical pages of the request and of the reply
)

// Probe finds and sets up the virtio-9p devices; it returns how many are
// usable. It runs once, at boot; without devices it takes no memory.
func Probe() int {
	var found [MaxDevices]virtio.Device
	n := virtio.Find(virtio.Type9P, found[:])
	if n == 0 {
		return 0
	}
	for i := range out {
		if out[i], in[i] = memory.AllocPage(), memory.AllocPage(); out[i] == 0 || in[i] == 0 {
			klog.Line("virtio-9p: no memory for the shared directories' message pages; run with a larger --memory")
			return 0
		}
	}
	for i := 0; i < n; i++ {
		d := &devices[count]
		d.dev = found[i]
		if !d.start() {
			klog.Str("unigo: virtio-9p: the shared directory at ")
			klog.Hex(uint64(found[i].Addr))
			klog.Str(" refused to be set up; it is left out\n")
			continue
		}
		count++
	}
	return count
}

// start negotiates features, reads the mount tag and sets up the queue.
func (d *device) start() bool {
	got, ok := d.dev.Start(featMountTag)
	if !ok || got&featMountTag == 0 {
		d.dev.Fail()
		return false
	}
	if !d.dev.SetupQueue(0, &d.q) || d.q.Size() < 2*MsgPages {
		d.dev.Fail()
		return false
	}
	n := int(d.dev.Config16(0))
	if n > MaxTag {
		n = MaxTag
	}
	for i := 0; i < n; i++ {
		d.tag[i] = d.dev.Config8(2 + uintptr(i))
	}
	d.tagLen = n
	d.dev.Ready()
	return true
}

// Count is the number of shared directories.
func Count() int { return count }

// Find returns the device whose mount tag is tag, or -1.
func Find(tag []byte) int {
	for i := 0; i < count; i++ {
		if string(devices[i].tag[:devices[i].tagLen]) == string(tag) {
			return i
		}
	}
	return -1
}

// Call sends the request req followed by data (a write's bytes, may be
// nil) to device i and waits for the reply: its first len(head) bytes go
// to head, the rest to body (a read's bytes, may be nil). It returns the
// reply's length as the device gave it, or an errno.
func Call(i int, req, data, head, body []byte) (int, int) {
	if i < 0 || i >= count {
		return 0, ENXIO
	}
	d := &devices[i]
	n := len(req) + len(data)
	if d.failed {
		return 0, EIO
	}
	if n > Msize || len(head) == 0 {
		return 0, EINVAL
	}
	copyOut(req, 0)
	copyOut(data, len(req))
	ok := true
	for p := 0; p*memory.PageSize < n && ok; p++ {
		ok = d.q.Add(out[p], uint32(min(memory.PageSize, n-p*memory.PageSize)), false)
	}
	for p := 0; p < MsgPages && ok; p++ {
		ok = d.q.Add(in[p], memory.PageSize, true)
	}
	if !ok {
		d.q.Reset()
		return 0, EINVAL
	}
	d.q.Submit()
	got, done := d.q.Wait(timeout)
	if !done {
		d.failed = true
		klog.Line("virtio-9p: the host did not answer; the shared directory is given up")
		return 0, EIO
	}
	if got > Msize {
		got = Msize
	}
	k := copyIn(head, 0, int(got))
	copyIn(body, k, int(got))
	return int(got), 0
}

// copyOut copies b into the request pages from at on.
func copyOut(b []byte, at int) {
	for len(b) > 0 {
		page := memory.PageBytes(out[at/memory.PageSize])
		k := copy(page[at%memory.PageSize:], b)
		b = b[k:]
		at += k
	}
}

// copyIn copies the reply's bytes from at (up to end) into b; it returns
// the offset after them.
func copyIn(b []byte, at, end int) int {
	if at+len(b) > end {
		b = b[:max(0, end-at)]
	}
	for len(b) > 0 {
		page := memory.PageBytes(in[at/memory.PageSize])
		k := copy(b, page[at%memory.PageSize:])
		b = b[k:]
		at += k
	}
	return at
}
