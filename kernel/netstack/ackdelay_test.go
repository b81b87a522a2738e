package netstack

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"
)

// tcpTestFrame builds an Ethernet/IPv4/TCP frame from port 8080 to
// peerPort with the given flags, acknowledgment number, payload length
// and TCP options.
func tcpTestFrame(peerPort uint16, flags uint8, ack uint32, payload int, opts []byte) []byte {
	doff := 20 + len(opts)
	f := make([]byte, 14+20+doff+payload)
	be := binary.BigEndian
	be.PutUint16(f[12:], 0x0800)
	ip := f[14:]
	ip[0] = 0x45
	be.PutUint16(ip[2:], uint16(20+doff+payload))
	ip[9] = 6
	copy(ip[12:], []byte{10, 0, 2, 15, 10, 0, 2, 2})
	seg := ip[20:]
	be.PutUint16(seg[0:], 8080)
	be.PutUint16(seg[2:], peerPort)
	be.PutUint32(seg[8:], ack)
	seg[12] = uint8(doff/4) << 4
	seg[13] = flags
	copy(seg[20:], opts)
	return f
}

type sentFrames struct{ n int }

func newTestDelay() (*ackDelay, *sentFrames) {
	s := &sentFrames{}
	return newAckDelay(new(sync.Mutex), func([]byte) { s.n++ }), s
}

func TestParseTCPFrame(t *testing.T) {
	ts := []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}
	f, ok := parseTCPFrame(tcpTestFrame(40000, tcpACK, 77, 0, ts))
	if !ok || f.flags != tcpACK || f.ack != 77 || f.payload != 0 || f.sack {
		t.Fatalf("bare ACK with timestamps: %+v %v", f, ok)
	}
	sack := []byte{1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2}
	if f, _ := parseTCPFrame(tcpTestFrame(40000, tcpACK, 77, 0, sack)); !f.sack {
		t.Fatal("SACK blocks not seen")
	}
	if f, _ := parseTCPFrame(tcpTestFrame(40000, tcpACK|0x08, 77, 147, nil)); f.payload != 147 {
		t.Fatalf("payload %d, want 147", f.payload)
	}
	udp := tcpTestFrame(40000, tcpACK, 77, 0, nil)
	udp[14+9] = 17
	if _, ok := parseTCPFrame(udp); ok {
		t.Fatal("a UDP frame parsed as TCP")
	}
	if _, ok := parseTCPFrame(udp[:20]); ok {
		t.Fatal("a truncated frame parsed")
	}
}

// A request/response connection: the ACK of a request waits and the
// answer replaces it; a bulk receiver's ACKs all go out.
func TestAckDelayHoldsForTheAnswer(t *testing.T) {
	d, _ := newTestDelay()
	const peer = 40000
	// First request on the connection: nothing sent yet, the ACK goes.
	if d.frame(tcpTestFrame(peer, tcpACK, 100, 0, nil)) {
		t.Fatal("held the first ACK of a connection that has sent nothing")
	}
	if d.frame(tcpTestFrame(peer, tcpACK|0x08, 100, 147, nil)) {
		t.Fatal("held a data frame")
	}
	// The next request's ACK waits for the answer...
	if !d.frame(tcpTestFrame(peer, tcpACK, 140, 0, nil)) {
		t.Fatal("did not hold the ACK of a request after an answer")
	}
	// ...which carries it: the held one is dropped, not sent.
	if d.frame(tcpTestFrame(peer, tcpACK|0x08, 140, 147, nil)) || d.nHeld != 0 {
		t.Fatal("the answer did not replace the held ACK")
	}
	// A window update (same acknowledgment number) goes at once.
	if d.frame(tcpTestFrame(peer, tcpACK, 140, 0, nil)) {
		t.Fatal("held a window update")
	}
	// Bulk: after a bare ACK, no ACK is held.
	for ack := uint32(200); ack < 20000; ack += 1460 {
		if d.frame(tcpTestFrame(peer, tcpACK, ack, 0, nil)) {
			t.Fatalf("held an ACK of a connection that only receives (ack %d)", ack)
		}
	}
}

// holdOne sends data on the connection to peer, then a bare ACK (acking
// 50), which must be held.
func holdOne(t *testing.T, d *ackDelay, peer uint16) {
	t.Helper()
	d.frame(tcpTestFrame(peer, tcpACK|0x08, 1, 10, nil))
	if !d.frame(tcpTestFrame(peer, tcpACK, 50, 0, nil)) {
		t.Fatal("did not hold")
	}
}

// Never two held: a second bare ACK goes out at once (and covers the
// first); ACKs with SACK blocks are not held.
func TestAckDelayNeverHoldsTwo(t *testing.T) {
	d, sent := newTestDelay()
	const peer = 40001
	holdOne(t, d, peer)
	if d.frame(tcpTestFrame(peer, tcpACK, 90, 0, nil)) || d.nHeld != 0 {
		t.Fatal("held a second ACK")
	}
	d.frame(tcpTestFrame(peer, tcpACK|0x08, 90, 10, nil))
	sack := []byte{1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2}
	if d.frame(tcpTestFrame(peer, tcpACK, 120, 0, sack)) {
		t.Fatal("held an ACK with SACK blocks")
	}
	if sent.n != 0 {
		t.Fatalf("sent %d held frames, want 0 (each was replaced)", sent.n)
	}
}

// An ACK whose answer never comes goes out after ackHold.
func TestAckDelayTimesOut(t *testing.T) {
	d, sent := newTestDelay()
	const peer = 40002
	holdOne(t, d, peer)
	deadline := time.Now().Add(10 * ackHold)
	for {
		d.mu.Lock()
		n := sent.n
		d.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the held ACK was not sent within %v", 10*ackHold)
		}
		time.Sleep(time.Millisecond)
	}
	// The app did not answer in time: the next ACK is not held.
	if d.frame(tcpTestFrame(peer, tcpACK, 80, 0, nil)) {
		t.Fatal("held again after a timeout")
	}
}
