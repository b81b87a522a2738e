package hostnet

import (
	"errors"
	"net"
	"testing"

	"unigo.dev/unigo/vmm"
)

func TestParsePublish(t *testing.T) {
	for in, want := range map[string]vmm.Forward{
		"8080:80":           {Proto: "tcp", HostPort: 8080, GuestPort: 80},
		"53:53/udp":         {Proto: "udp", HostPort: 53, GuestPort: 53},
		"9000":              {Proto: "tcp", HostPort: 9000, GuestPort: 9000},
		"127.0.0.1:8080:80": {Proto: "tcp", HostIP: "127.0.0.1", HostPort: 8080, GuestPort: 80},
	} {
		got, err := ParsePublish(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x:80", "8080:0", "8080:80/sctp", "1:2:3:4", "notanip:1:2", "70000:80", "[::1]:8080:80", "::1:8080:80"} {
		if _, err := ParsePublish(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckFree(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	if err := CheckFree([]vmm.Forward{{Proto: "tcp", HostIP: "127.0.0.1", HostPort: busy, GuestPort: 80}}); !errors.Is(err, ErrPortInUse) {
		t.Fatalf("busy port: %v", err)
	}
	free := vmm.Forward{Proto: "tcp", HostIP: "127.0.0.1", HostPort: busy + 1, GuestPort: 80}
	if err := CheckFree([]vmm.Forward{free, free}); err == nil {
		t.Fatal("a port published twice was accepted")
	}
}

func TestBound(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if !bound("tcp", port) {
		t.Fatalf("listening port %d not seen in /proc/net/tcp", port)
	}
	l.Close()
	if bound("tcp", port) {
		t.Fatalf("closed port %d still seen as listening", port)
	}
}
