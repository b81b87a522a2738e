package hostnet

import (
	"net/netip"
	"strings"
	"testing"

	"unigo.dev/unigo/vmm"
)

func TestParseNet(t *testing.T) {
	for in, want := range map[string][2]string{
		"": {"", ""}, "none": {"none", ""}, "user": {"user", ""}, "dhcp": {"dhcp", ""},
		"tap": {"tap", DefaultTap}, "tap:br0tap": {"tap", "br0tap"},
	} {
		mode, tap, err := ParseNet(in)
		if err != nil || mode != want[0] || tap != want[1] {
			t.Errorf("ParseNet(%q) = %q, %q, %v; want %q, %q", in, mode, tap, err, want[0], want[1])
		}
	}
	for _, bad := range []string{"tap:", "bridge", "USER"} {
		if _, _, err := ParseNet(bad); err == nil {
			t.Errorf("ParseNet(%q) accepted", bad)
		}
	}
}

func TestCard(t *testing.T) {
	fwd := []vmm.Forward{{HostPort: 8080, GuestPort: 80}}
	// No card without -p or a network option; -p alone is the user network.
	if n, err := Card(nil, Options{}); n != nil || err != nil {
		t.Fatalf("no options: %+v, %v", n, err)
	}
	if n, err := Card(fwd, Options{}); err != nil || n == nil || n.Tap != "" || n.Guest.DHCP || len(n.Forwards) != 1 {
		t.Fatalf("-p: %+v, %v", n, err)
	}
	// --dns alone gives a card on the user network.
	if n, err := Card(nil, Options{DNS: []string{"10.0.2.2"}}); err != nil || n == nil || n.Guest.DNS[0] != netip.MustParseAddr("10.0.2.2") {
		t.Fatalf("--dns: %+v, %v", n, err)
	}
	if n, err := Card(fwd, Options{Mode: ModeDHCP}); err != nil || !n.Guest.DHCP {
		t.Fatalf("dhcp: %+v, %v", n, err)
	}
	// A tap: DHCP unless --ip.
	if n, err := Card(nil, Options{Mode: ModeTap, Tap: "t0"}); err != nil || n.Tap != "t0" || !n.Guest.DHCP || n.MAC != TapMAC("t0") {
		t.Fatalf("tap: %+v, %v", n, err)
	}
	// Taps get MACs of their own, stable per name; --mac-address wins.
	if a, b := TapMAC("t0"), TapMAC("t1"); a == b || a != TapMAC("t0") || !strings.HasPrefix(a, "52:54:00:") {
		t.Fatalf("TapMAC: %s %s", a, b)
	}
	if n, err := Card(nil, Options{Mode: ModeTap, Tap: "t0", MAC: "02:00:00:aa:bb:cc"}); err != nil || n.MAC != "02:00:00:aa:bb:cc" {
		t.Fatalf("tap --mac-address: %+v, %v", n, err)
	}
	n, err := Card(nil, Options{Mode: ModeTap, IP: "192.168.9.10/24", Gateway: "192.168.9.1", Hosts: []string{"db:192.168.9.5"}})
	if err != nil || n.Tap != DefaultTap || n.Guest.DHCP || n.Guest.Addr != netip.MustParsePrefix("192.168.9.10/24") ||
		n.Guest.Gateway != netip.MustParseAddr("192.168.9.1") || n.Guest.Hosts[0] != "db:192.168.9.5" {
		t.Fatalf("tap --ip: %+v, %v", n, err)
	}
	for _, c := range []struct {
		publish []vmm.Forward
		o       Options
		want    string
	}{
		{fwd, Options{Mode: ModeNone}, "--net none"},
		{nil, Options{Mode: ModeNone, Hosts: []string{"a:1.2.3.4"}}, "--net none"},
		{fwd, Options{Mode: ModeTap, Tap: "t0"}, "drop -p"},
		{nil, Options{Mode: ModeUser, IP: "10.0.2.20/24"}, "needs --net tap"},
		{nil, Options{Mode: ModeTap, IP: "10.0.0.0/24"}, "--ip"},
		{nil, Options{Mode: ModeTap, IP: "fd00::5/64"}, "--ip"},
		{nil, Options{Mode: ModeTap, IP: "10.0.0.5/24", Gateway: "10.0.1.1"}, "10.0.0.0/24"},
		{nil, Options{Mode: ModeDHCP, Gateway: "10.0.2.2"}, "goes with --ip"},
		{nil, Options{Mode: ModeUser, DNS: []string{"a", "b"}}, `--dns "a"`},
		{nil, Options{Mode: ModeUser, DNS: []string{"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"}}, "at most 3"},
		{nil, Options{Mode: ModeUser, Hosts: []string{"nocolon"}}, "--add-host"},
		{nil, Options{Mode: ModeUser, MAC: "01:00:00:00:00:01"}, "--mac-address"},
		{nil, Options{Mode: ModeUser, MAC: "52:54:00"}, "--mac-address"},
	} {
		if _, err := Card(c.publish, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c.o, err, c.want)
		}
	}
}
