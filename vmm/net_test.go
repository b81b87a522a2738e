package vmm

import (
	"net/netip"
	"strings"
	"testing"
)

func TestForwardString(t *testing.T) {
	for f, want := range map[Forward]string{
		{HostPort: 8080, GuestPort: 80}:                                    "8080->80/tcp",
		{Proto: "udp", HostIP: "127.0.0.1", HostPort: 53, GuestPort: 5353}: "127.0.0.1:53->5353/udp",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#v: got %q, want %q", f, got, want)
		}
	}
}

func TestCheckRejectsBadNet(t *testing.T) {
	img := floorImage(t)
	for _, tt := range []struct {
		net  NetSpec
		want string
	}{
		{NetSpec{MAC: "52:54:00:12:34"}, "give six bytes"},
		{NetSpec{MAC: "01:00:5e:00:00:01"}, "multicast"},
		{NetSpec{Forwards: []Forward{{Proto: "sctp", HostPort: 1, GuestPort: 1}}}, "neither tcp nor udp"},
		{NetSpec{Forwards: []Forward{{HostIP: "::1", HostPort: 1, GuestPort: 1}}}, "not an IPv4 address"},
		{NetSpec{Forwards: []Forward{{HostIP: "a,b", HostPort: 1, GuestPort: 1}}}, "not an IPv4 address"},
		{NetSpec{Forwards: []Forward{{HostPort: 0, GuestPort: 80}}}, "ports must be 1 to 65535"},
		{NetSpec{Forwards: []Forward{{HostPort: 80, GuestPort: 70000}}}, "ports must be 1 to 65535"},
		{NetSpec{Forwards: []Forward{{HostPort: 80, GuestPort: 80}, {HostPort: 80, GuestPort: 81}}}, "forwarded twice"},
	} {
		err := Spec{Image: img, Net: &tt.net}.Check()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.net, err, tt.want)
		}
	}
}

func TestTapAndGuestNet(t *testing.T) {
	n := &NetSpec{Tap: "unigo0", Guest: GuestNet{
		Addr:    netip.MustParsePrefix("192.168.100.10/24"),
		Gateway: netip.MustParseAddr("192.168.100.1"),
		DNS:     []netip.Addr{netip.MustParseAddr("192.168.100.1"), netip.MustParseAddr("2001:db8::53")},
		Hosts:   []string{"db:192.168.100.5", "my host:1.2.3.4"},
	}}
	if err := checkNet(n); err == nil || !strings.Contains(err.Error(), "white space") {
		t.Fatalf("a host name with a space: %v", err)
	}
	n.Guest.Hosts = n.Guest.Hosts[:1]
	if err := checkNet(n); err != nil {
		t.Fatal(err)
	}
	cl := Spec{Cmdline: Cmdline{Args: []string{"app"}}, Net: n}.KernelCmdline()
	if want := "net.ip=192.168.100.10/24 net.gw=192.168.100.1 net.dns=192.168.100.1 net.dns=2001:db8::53 net.host=db:192.168.100.5"; !strings.Contains(cl, want) {
		t.Errorf("command line %q lacks %q", cl, want)
	}
	for _, bad := range []NetSpec{
		{Tap: "unigo0", Forwards: []Forward{{HostPort: 80, GuestPort: 80}}},
		{Tap: "a,b"},
		{Tap: "much-too-long-name"},
		{Guest: GuestNet{DHCP: true, Addr: netip.MustParsePrefix("10.0.0.2/8")}},
		{Guest: GuestNet{Addr: netip.MustParsePrefix("2001:db8::1/64")}},
		{Guest: GuestNet{Addr: netip.MustParsePrefix("10.0.0.2/24"), Gateway: netip.MustParseAddr("10.0.1.1")}},
		{Guest: GuestNet{Gateway: netip.MustParseAddr("10.0.1.1")}},
		{Guest: GuestNet{Hosts: []string{"nocolon"}}},
		{Guest: GuestNet{Hosts: []string{"x:notanip"}}},
	} {
		if err := checkNet(&bad); err == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
}
