package ociruntime

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// A query frame as the guest sends it is recognised, and the answer frame
// carries the answer back with valid IPv4 and UDP checksums.
func TestDNSRelayFrames(t *testing.T) {
	payload := []byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03web\x00\x00\x01\x00\x01")
	guestMAC := []byte{2, 0, 0, 0, 0, 7}
	gwMAC := []byte{2, 0, 0, 0, 0, 1}
	f := append(append(append([]byte{}, gwMAC...), guestMAC...), 8, 0)
	ip := []byte{0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0, 172, 18, 0, 2, 169, 254, 53, 53}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	udp := []byte{0xc0, 0x01, 0, 53, 0, byte(8 + len(payload)), 0, 0}
	f = append(append(append(f, ip...), udp...), payload...)

	q, ok := parseQuery(f)
	if !ok || q.port != 0xc001 || q.guest != [4]byte{172, 18, 0, 2} || !bytes.Equal(q.payload, payload) || !bytes.Equal(q.guestMAC[:], guestMAC) {
		t.Fatalf("parse: %v %+v", ok, q)
	}
	other := append([]byte{}, f...)
	other[14+19] = 54 // another destination
	if _, ok := parseQuery(other); ok {
		t.Fatal("a datagram to another address taken")
	}

	answer := []byte("answer bytes, odd length")
	out := q.frame(answer)
	if !bytes.Equal(out[0:6], guestMAC) || !bytes.Equal(out[6:12], gwMAC) {
		t.Fatalf("MACs %x", out[:12])
	}
	if sum(0, out[14:34]) != 0xffff {
		t.Fatal("IPv4 header checksum does not verify")
	}
	var pseudo [12]byte
	copy(pseudo[0:], out[26:34])
	pseudo[9] = 17
	binary.BigEndian.PutUint16(pseudo[10:], uint16(8+len(answer)))
	if sum(uint32(sum(0, pseudo[:])), out[34:]) != 0xffff {
		t.Fatal("UDP checksum does not verify")
	}
	if binary.BigEndian.Uint16(out[34:]) != 53 || binary.BigEndian.Uint16(out[36:]) != 0xc001 || !bytes.Equal(out[42:], answer) {
		t.Fatalf("UDP %x", out[34:])
	}
	if !needsRelay([]string{"127.0.0.11"}) || needsRelay([]string{"8.8.8.8"}) {
		t.Fatal("needsRelay")
	}
}
