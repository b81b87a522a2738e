package netstack

import (
	"encoding/binary"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// A DISCOVER as the client sends it, read back as a server would, and an
// ACK as a server sends it, read by the client.
func TestDHCPWire(t *testing.T) {
	mac := tcpip.LinkAddress("\x52\x54\x00\x12\x34\x56")
	d := &dhcpClient{card: &card{mac: mac}, xid: 0x01020304}
	f := d.discover()
	if len(f) != 14+20+8+dhcpMinLen {
		t.Fatalf("frame of %d bytes", len(f))
	}
	if ipChecksum(f[14:34]) != 0 {
		t.Errorf("the IPv4 header's checksum does not verify")
	}
	if binary.BigEndian.Uint16(f[34:]) != 68 || binary.BigEndian.Uint16(f[36:]) != 67 {
		t.Errorf("ports %d -> %d", binary.BigEndian.Uint16(f[34:]), binary.BigEndian.Uint16(f[36:]))
	}
	msg := f[42:]
	if msg[0] != 1 || binary.BigEndian.Uint32(msg[dhcpXID:]) != 0x01020304 || binary.BigEndian.Uint16(msg[dhcpFlags:]) != 0x8000 ||
		string(msg[dhcpCHAddr:dhcpCHAddr+6]) != string(mac) || msg[dhcpOptions] != optMsgType || msg[dhcpOptions+2] != dhcpDiscover {
		t.Errorf("discover: % x", msg[:dhcpOptions+3])
	}

	// The server's ACK, as a frame from port 67 to 68.
	ack := make([]byte, dhcpOptions)
	ack[0] = 2
	binary.BigEndian.PutUint32(ack[dhcpXID:], 0x01020304)
	copy(ack[dhcpYIAddr:], []byte{192, 168, 9, 120})
	copy(ack[dhcpCHAddr:], mac)
	copy(ack[dhcpMagic:], dhcpCookie[:])
	ack = append(ack, optMsgType, 1, dhcpAck, optSubnetMask, 4, 255, 255, 240, 0, optRouter, 4, 192, 168, 9, 1,
		optDNS, 8, 192, 168, 9, 1, 9, 9, 9, 9, optLeaseTime, 4, 0, 0, 0x0e, 0x10, optServerID, 4, 192, 168, 9, 1, optPad, optEnd)
	frame := make([]byte, 42+len(ack))
	binary.BigEndian.PutUint16(frame[12:], 0x0800)
	frame[14] = 0x45
	binary.BigEndian.PutUint16(frame[16:], uint16(28+len(ack)))
	frame[23] = 17
	binary.BigEndian.PutUint16(frame[34:], 67)
	binary.BigEndian.PutUint16(frame[36:], 68)
	binary.BigEndian.PutUint16(frame[38:], uint16(8+len(ack)))
	copy(frame[42:], ack)
	payload, ok := dhcpPayload(frame)
	if !ok {
		t.Fatal("the ACK frame is not taken as DHCP")
	}
	l, ok := parseDHCP(payload, 0x01020304, mac)
	if !ok || l.kind != dhcpAck || l.addr.String() != "192.168.9.120/20" || l.router.String() != "192.168.9.1" ||
		len(l.dns) != 2 || l.dns[1].String() != "9.9.9.9" || l.server.String() != "192.168.9.1" || l.time != time.Hour || l.t1 != 30*time.Minute {
		t.Fatalf("ack: %+v, %v", l, ok)
	}
	if _, ok := parseDHCP(payload, 0x01020305, mac); ok {
		t.Error("an ACK for another transaction taken")
	}
	binary.BigEndian.PutUint16(frame[36:], 53)
	if _, ok := dhcpPayload(frame); ok {
		t.Error("a datagram to port 53 taken as DHCP")
	}
}
