package netstack

import (
	"encoding/binary"
	"sync"
	"time"
)

// gVisor acknowledges every batch of received segments at once, with a
// frame of its own. For a request that the app answers, Linux would
// delay that ACK and let the answer carry it: one frame instead of two.
// ackDelay does so below the stack, on the card's outgoing frames: a bare
// ACK is held back for up to ackHold when the connection's previous frame
// out carried data (the peer is in a request/response exchange, and the
// app's answer will likely follow); the connection's next frame, which
// acknowledges as much, replaces it, and a second bare ACK goes out at
// once (never two held: a bulk sender keeps its ACK clock). ACKs that
// report out-of-order data (SACK blocks), window updates, and every frame
// of a connection that only receives, go out at once.

// ackHold bounds how long a bare ACK waits: Linux's shortest delayed-ACK
// timeout, under every peer's retransmission timeout.
const ackHold = 40 * time.Millisecond

// ackFlows is the number of connections tracked at once (direct-mapped
// by their addresses; a collision sends the held ACK and starts over).
const ackFlows = 256

// maxHeldFrame is the longest bare ACK held: Ethernet, IPv6 and a TCP
// header with 40 bytes of options.
const maxHeldFrame = 14 + 40 + 60

// flowKey names a connection: addresses and ports as they appear in the
// frame (IPv4 addresses take the first 8 bytes).
type flowKey [36]byte

type ackFlow struct {
	key      flowKey
	used     bool
	lastData bool   // the last frame out carried data
	lastAck  uint32 // the acknowledgment number of the last frame out
	held     [maxHeldFrame]byte
	heldLen  int // 0: none held
	deadline time.Time
}

// ackDelay holds the card's bare ACKs. Its methods but expire run under
// the card's lock (mu).
type ackDelay struct {
	flows [ackFlows]ackFlow
	nHeld int
	timer *time.Timer // sends the held ACKs whose time is up; set while nHeld > 0
	mu    *sync.Mutex
	send  func([]byte)
}

// newAckDelay returns an ackDelay that sends through send under mu.
func newAckDelay(mu *sync.Mutex, send func([]byte)) *ackDelay {
	d := &ackDelay{mu: mu, send: send}
	d.timer = time.AfterFunc(time.Hour, d.expire)
	d.timer.Stop()
	return d
}

// tcpFrame is what ackDelay reads from a frame.
type tcpFrame struct {
	key     flowKey
	flags   uint8
	ack     uint32
	payload int
	sack    bool // carries SACK blocks, or options it does not know
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// parseTCPFrame decodes an Ethernet frame carrying TCP over IPv4 or IPv6
// (no extension headers, no fragments).
func parseTCPFrame(f []byte) (tcpFrame, bool) {
	var t tcpFrame
	if len(f) < 14 {
		return t, false
	}
	be := binary.BigEndian
	var seg []byte
	switch be.Uint16(f[12:]) {
	case 0x0800:
		ip := f[14:]
		if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 6 || be.Uint16(ip[6:])&0x3fff != 0 {
			return t, false
		}
		ihl, total := int(ip[0]&15)*4, int(be.Uint16(ip[2:]))
		if ihl < 20 || total < ihl || total > len(ip) {
			return t, false
		}
		copy(t.key[0:8], ip[12:20])
		seg = ip[ihl:total]
	case 0x86dd:
		ip := f[14:]
		if len(ip) < 40 || ip[6] != 6 {
			return t, false
		}
		n := int(be.Uint16(ip[4:]))
		if n > len(ip)-40 {
			return t, false
		}
		copy(t.key[0:32], ip[8:40])
		seg = ip[40 : 40+n]
	default:
		return t, false
	}
	if len(seg) < 20 {
		return t, false
	}
	doff := int(seg[12]>>4) * 4
	if doff < 20 || doff > len(seg) {
		return t, false
	}
	copy(t.key[32:36], seg[0:4])
	t.flags = seg[13]
	t.ack = be.Uint32(seg[8:])
	t.payload = len(seg) - doff
	for opts := seg[20:doff]; len(opts) > 0; {
		switch kind := opts[0]; {
		case kind == 0:
			opts = nil
		case kind == 1:
			opts = opts[1:]
		case kind == 8 && len(opts) >= 10 && opts[1] == 10: // timestamps
			opts = opts[10:]
		default:
			t.sack = true
			opts = nil
		}
	}
	return t, true
}

func (k *flowKey) slot() int {
	h := uint32(2166136261)
	for _, b := range k {
		h = (h ^ uint32(b)) * 16777619
	}
	return int(h % ackFlows)
}

// frame decides about one outgoing frame: true means it is held (the
// caller does not send it). Frames it does not hold may first send an
// earlier held ACK of another connection that shared its slot.
func (d *ackDelay) frame(f []byte) bool {
	t, ok := parseTCPFrame(f)
	if !ok {
		return false
	}
	fl := &d.flows[t.key.slot()]
	if !fl.used || fl.key != t.key {
		d.release(fl)
		*fl = ackFlow{key: t.key, used: true}
	}
	bare := t.flags == tcpACK && t.payload == 0
	advances := int32(t.ack-fl.lastAck) > 0
	if bare && fl.lastData && advances && !t.sack && fl.heldLen == 0 && len(f) <= maxHeldFrame {
		fl.heldLen = copy(fl.held[:], f)
		fl.deadline = time.Now().Add(ackHold)
		fl.lastAck = t.ack
		d.nHeld++
		if d.nHeld == 1 { // the only one held: its deadline is the timer's
			d.timer.Reset(ackHold)
		}
		return true
	}
	// This frame acknowledges at least as much as a held one: drop it.
	if fl.heldLen != 0 {
		fl.heldLen = 0
		d.nHeld--
	}
	if t.flags&(tcpFIN|tcpRST|tcpSYN) != 0 {
		fl.used = false // the connection starts or ends: forget it
		return false
	}
	fl.lastData = t.payload > 0
	if t.flags&tcpACK != 0 {
		fl.lastAck = t.ack
	}
	return false
}

// release sends a flow's held ACK before its slot is taken.
func (d *ackDelay) release(fl *ackFlow) {
	if fl.heldLen != 0 {
		d.send(fl.held[:fl.heldLen])
		fl.heldLen = 0
		d.nHeld--
	}
}

// expire sends the held ACKs whose time is up, and sets the timer for the
// rest. The timer's goroutine calls it.
func (d *ackDelay) expire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	var next time.Time
	for i := range d.flows {
		fl := &d.flows[i]
		if fl.heldLen == 0 {
			continue
		}
		if !fl.deadline.After(now) {
			d.release(fl)
			fl.lastData = false
			continue
		}
		if next.IsZero() || fl.deadline.Before(next) {
			next = fl.deadline
		}
	}
	if d.nHeld > 0 {
		d.timer.Reset(next.Sub(now))
	}
}
