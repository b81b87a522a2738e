// Package virtionet drives the VM's network card, a virtio-net device
// (virtio 1.x; virtio-mmio on microvm, virtio-pci on pc): one receive and
// one transmit queue, frames copied between the app's buffers and driver
// pages, completion by interrupt. The network stack runs in the app's Go
// runtime and reaches the card through the kernel's private system calls
// (package privcalls; kernel/syscalls/netcalls/nic.go): a receiver that finds no
// frame, or a sender that finds no free transmit buffer, blocks its thread
// and the card's interrupt wakes it, so an idle VM costs the host nothing.
//
// Only VERSION_1, MAC and STATUS are negotiated: no checksum or
// segmentation offloads (the stack computes checksums), no merged receive
// buffers (every buffer takes a whole frame). Trap and interrupt path: no
// allocation; the state is plain values in loaded data.
package virtionet

import (
	"unigo.dev/unigo/kernel/devices/virtio"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/random"
)

// Feature bits of virtio-net.
const (
	featMTU    = 1 << 3  // the network's MTU is in the configuration (QEMU: host_mtu=)
	featMAC    = 1 << 5  // the MAC address is in the configuration
	featStatus = 1 << 16 // the link state is in the configuration
)

// Device configuration fields.
const (
	cfgMAC    = 0  // 6 bytes
	cfgStatus = 6  // 16 bits; bit 0: link up
	cfgMTU    = 10 // 16 bits, after max_virtqueue_pairs
	linkUp    = 1
	minMTU    = 68 // IPv4's least
)

// Buffers. Every frame travels behind a 12-byte virtio-net header (its
// size in virtio 1.x; all zero on transmit: no offloads). A buffer of
// 2 KiB, two to a page, holds the header and the longest frame, so the
// device never needs more than one buffer per frame.
const (
	hdrLen    = 12
	bufSize   = 2048
	perPage   = memory.PageSize / bufSize
	rxBuffers = 128 // receive buffers kept with the device: 256 KiB
	txBuffers = 64  // frames in flight to the device: 128 KiB
	mtu       = privcalls.MaxFrame - 14
)

// Queue indexes of a single-queue virtio-net device.
const (
	rxQueue = 0
	txQueue = 1
)

type card struct {
	dev     virtio.Device
	rx, tx  virtio.Queue
	vector  uint64 // the interrupt vector; 0 when there is no card
	mtu     uint16
	status  bool // the link state can be read (STATUS negotiated)
	mac     [6]byte
	rxN     int // receive buffers (the queue may be shorter than rxBuffers)
	txN     int
	rxPages [rxBuffers / perPage]uintptr // physical
	txPages [txBuffers / perPage]uintptr
	txFree  [txBuffers]uint16 // transmit descriptors not with the device
	nFree   int
	txBusy  [txBuffers]bool // with the device: a returned descriptor is freed once
	stats   Stats
}

// Stats counts what the card did, for debug.boottime's exit report.
type Stats struct {
	Received, Sent uint64 // frames
	Interrupts     uint64
	RecvWaits      uint64 // nic_recv found no frame and waited
	SendWaits      uint64 // nic_send found no free transmit buffer and waited
}

// Counters returns the card's counters so far.
func Counters() Stats { return nic.stats }

// nic is the card; the non-zero initialiser keeps it in the image's loaded
// data, so the interrupt handler never faults on it.
var nic = card{mtu: mtu}

// Present reports whether the VM has a working network card.
func Present() bool { return nic.vector != 0 }

// Probe finds the first virtio network device and sets it up: features,
// queues, receive buffers, its interrupt. It runs once, at boot, and
// returns whether the VM has a card. Further cards are not driven.
func Probe() bool {
	var found [1]virtio.Device
	if virtio.Find(virtio.TypeNet, found[:]) == 0 {
		return false
	}
	nic.dev = found[0]
	if msg := start(); msg != "" {
		nic.dev.Fail()
		nic.vector = 0
		klog.Str("unigo: virtio-net: the network card at ")
		klog.Hex(uint64(nic.dev.Addr))
		klog.Str(" is left out: ")
		klog.Str(msg)
		klog.Str("\n")
		return false
	}
	return true
}

// start does Probe's work and says what went wrong, "" if nothing.
func start() string {
	d := &nic.dev
	got, ok := d.Start(featMAC | featStatus | featMTU)
	if !ok {
		return "it refused the features (a legacy device? QEMU: -global virtio-mmio.force-legacy=false)"
	}
	if !d.SetupQueue(rxQueue, &nic.rx) || !d.SetupQueue(txQueue, &nic.tx) {
		return "it has no receive and transmit queues, or memory ran out"
	}
	nic.rxN = min(nic.rx.Size(), rxBuffers)
	nic.txN = min(nic.tx.Size(), txBuffers)
	if !allocPages(nic.rxPages[:(nic.rxN+perPage-1)/perPage]) || !allocPages(nic.txPages[:(nic.txN+perPage-1)/perPage]) {
		return "no memory for its buffers; run with a larger --memory"
	}
	vector, ok := d.EnableInterrupt()
	if !ok {
		return "its interrupt line is unknown (QEMU microvm needs its second I/O APIC: do not set ioapic2=off or acpi=off)"
	}
	nic.status = got&featStatus != 0
	readMAC(got&featMAC != 0)
	if got&featMTU != 0 {
		// The network's MTU (a container network's, below Ethernet's 1500):
		// the stack sizes its packets to it. Larger than a buffer holds, or
		// nonsense, keeps the default.
		if m := d.Config16(cfgMTU); m >= minMTU && m < nic.mtu {
			nic.mtu = m
		}
	}
	for i := 0; i < nic.rxN; i++ {
		nic.rx.Put(uint16(i), rxPhys(i), bufSize, true)
	}
	for i := 0; i < nic.txN; i++ {
		nic.txFree[i] = uint16(nic.txN - 1 - i)
	}
	nic.nFree = nic.txN
	d.Ready()
	nic.rx.Kick()
	nic.vector = vector
	return ""
}

func allocPages(pages []uintptr) bool {
	for i := range pages {
		if pages[i] = memory.AllocPage(); pages[i] == 0 {
			return false
		}
	}
	return true
}

// readMAC reads the card's address, or makes up a random locally
// administered one when the device has none to offer.
func readMAC(offered bool) {
	if !offered {
		random.Fill(nic.mac[:])
		nic.mac[0] = nic.mac[0]&^1 | 2 // unicast, locally administered
		return
	}
	for {
		gen := nic.dev.ConfigGeneration()
		for i := range nic.mac {
			nic.mac[i] = nic.dev.Config8(cfgMAC + uintptr(i))
		}
		if nic.dev.ConfigGeneration() == gen {
			return
		}
	}
}

// Info returns the card's MAC address, MTU and link state; ok is false
// when there is no card.
func Info() (mac [6]byte, mtu int, up bool, ok bool) {
	if !Present() {
		return mac, 0, false, false
	}
	up = !nic.status || nic.dev.Config16(cfgStatus)&linkUp != 0
	return nic.mac, int(nic.mtu), up, true
}
