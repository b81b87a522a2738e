package sockets

import (
	"encoding/binary"
	"testing"

	"unigo.dev/unigo/kernel/privcalls"
)

// A TCP listener and a bound UDP socket serve their port once the stack
// has answered, unless on loopback; nothing else does, nor a closed one.
func TestServed(t *testing.T) {
	fresh(t, 16)
	listener := func(local []byte) int32 {
		l := Open(AFInet, SockStream, 0)
		Bind(l, local)
		Ctl(l, privcalls.CtlDone, 0, addrs(local, nil))
		Bind(l, local)
		if _, _, ok := Served(l); ok {
			t.Fatal("a bound TCP socket that does not listen serves")
		}
		Listen(l, 16)
		Ctl(l, privcalls.CtlDone, 0, nil)
		Listen(l, 16)
		return l
	}
	l := listener(sin(8080, 0, 0, 0, 0))
	if udp, port, ok := Served(l); !ok || udp || port != 8080 {
		t.Errorf("listener on 0.0.0.0:8080: %v %d %v", udp, port, ok)
	}
	if _, _, ok := Served(listener(sin(8081, 127, 0, 0, 1))); ok {
		t.Error("a listener on 127.0.0.1 serves")
	}
	u := Open(AFInet, SockDgram, 0)
	Bind(u, sin(53, 10, 0, 0, 5))
	if _, _, ok := Served(u); ok {
		t.Error("a UDP socket serves before the stack answered its bind")
	}
	Ctl(u, privcalls.CtlDone, 0, addrs(sin(53, 10, 0, 0, 5), nil))
	Bind(u, sin(53, 10, 0, 0, 5))
	if udp, port, ok := Served(u); !ok || !udp || port != 53 {
		t.Errorf("UDP on 10.0.0.5:53: %v %d %v", udp, port, ok)
	}
	Close(l)
	if _, _, ok := Served(l); ok {
		t.Error("a closed listener serves")
	}
	// IPv6: ::1 and ::ffff:127.0.0.1 are loopback, :: is not.
	for _, tt := range []struct {
		addr [16]byte
		lo   bool
	}{
		{[16]byte{15: 1}, true},
		{[16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}, true},
		{[16]byte{}, false},
		{[16]byte{0: 0xfe, 1: 0x80, 15: 1}, false},
	} {
		a := sockaddr{len: sockaddrIn6Len}
		binary.LittleEndian.PutUint16(a.b[:], AFInet6)
		copy(a.b[8:], tt.addr[:])
		if loopback(&a) != tt.lo {
			t.Errorf("loopback(%x) = %v", tt.addr, !tt.lo)
		}
	}
}
