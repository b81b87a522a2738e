// Package virtioblk drives virtio block devices: the host's disk images
// (volumes), found at boot in QEMU command-line order and numbered from 0
// (vda, vdb, ...). Requests are synchronous: built in a request page,
// submitted, and polled until the device answers. Functions return a
// positive errno (0 on success), like memfs. Trap path: no allocation;
// state is plain values in fixed arrays.
package virtioblk

import (
	"unigo.dev/unigo/kernel/devices/virtio"
	"unigo.dev/unigo/kernel/klog"
)

// MaxDisks bounds the disks driven.
const MaxDisks = 8

// SectorSize is the unit of virtio-blk addressing, whatever the disk's own
// block size.
const SectorSize = 512

// Errors, as errno values.
const (
	EIO    = 5
	ENXIO  = 6
	EINVAL = 22
	ENOSPC = 28
	EROFS  = 30
)

// Feature bits of virtio-blk.
const (
	featSegMax = 1 << 2 // seg_max in the configuration: data buffers a request may have
	featRO     = 1 << 5 // the disk is read-only
	featFlush  = 1 << 9 // the device caches writes; FLUSH makes them durable
)

// Device configuration fields.
const (
	cfgCapacity = 0  // 64 bits: the size in sectors
	cfgSegMax   = 12 // 32 bits
)

// timeout is how long a request may take before the disk is given up.
const timeout = 60e9

type disk struct {
	dev      virtio.Device
	q        virtio.Queue
	sectors  int64
	segs     int // data buffers per request
	readOnly bool
	flush    bool
	failed   bool // a request timed out: its buffers may still be the device's
}

var (
	disks [MaxDisks]disk
	count int
)

// Probe finds and sets up the virtio block devices; it returns how many
// disks are usable. It runs once, at boot.
func Probe() int {
	var found [MaxDisks]virtio.Device
	n := virtio.Find(virtio.TypeBlock, found[:])
	if n == 0 {
		return 0
	}
	if !allocPages() {
		klog.Line("virtio-blk: no memory for the disks' request pages; run with a larger --memory")
		return 0
	}
	for i := 0; i < n; i++ {
		d := &disks[count]
		d.dev = found[i]
		if !d.start() {
			klog.Str("unigo: virtio-blk: the disk at ")
			klog.Hex(uint64(found[i].Addr))
			klog.Str(" refused to be set up; it is left out\n")
			continue
		}
		count++
	}
	return count
}

// start negotiates features, reads the size and sets up the request queue.
func (d *disk) start() bool {
	got, ok := d.dev.Start(featSegMax | featRO | featFlush)
	if !ok {
		return false
	}
	if !d.dev.SetupQueue(0, &d.q) {
		d.dev.Fail()
		return false
	}
	d.sectors = int64(d.dev.Config64(cfgCapacity))
	d.readOnly = got&featRO != 0
	d.flush = got&featFlush != 0
	d.segs = d.q.Size() - 2 // the header and the status take one descriptor each
	if s := int(d.dev.Config32(cfgSegMax)); got&featSegMax != 0 && s > 0 && s < d.segs {
		d.segs = s
	}
	if d.segs > bouncePages {
		d.segs = bouncePages
	}
	if d.segs < 1 {
		d.dev.Fail()
		return false
	}
	d.dev.Ready()
	return true
}

// Count is the number of disks.
func Count() int { return count }

// Size is disk i's size in bytes.
func Size(i int) int64 {
	if i < 0 || i >= count {
		return 0
	}
	return disks[i].sectors * SectorSize
}

// ReadOnly reports whether disk i refuses writes.
func ReadOnly(i int) bool { return i >= 0 && i < count && disks[i].readOnly }
