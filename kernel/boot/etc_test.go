package boot

import "testing"

func TestResolvConf(t *testing.T) {
	for _, c := range []struct{ cmdline, want string }{
		{"net.dns=192.168.7.1 net.dns=2001:db8::53", "nameserver 192.168.7.1\nnameserver 2001:db8::53\n"},
		{"net.dhcp net.dns=1.1.1.1", "nameserver 1.1.1.1\n"},
		{"", "nameserver 10.0.2.3\n"},
		{"net.dhcp", "# the DHCP lease's name servers replace this line\n"},
		{"net.ip=192.168.7.20/24", "# no name server: give one with unigo run --dns ADDR\n"},
	} {
		cl := []byte(c.cmdline)
		var o Options
		ParseCmdline(cl, &o)
		buf := make([]byte, 256)
		if got := string(buf[:ResolvConf(buf, cl, &o.Net)]); got != c.want {
			t.Errorf("%q: %q, want %q", c.cmdline, got, c.want)
		}
	}
}

func TestHosts(t *testing.T) {
	cl := []byte("net.host=db:10.1.2.3 net.host=v6:fe80::1 net.host=:1.2.3.4 net.host=noaddr: net.host=nocolon net.host=web%20x:10.0.0.9")
	var o Options
	ParseCmdline(cl, &o)
	buf := make([]byte, 256)
	want := "10.1.2.3\tdb\nfe80::1\tv6\n10.0.0.9\tweb x\n"
	if got := string(buf[:Hosts(buf, cl, &o.Net)]); got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if n := Hosts(buf, nil, &Net{}); n != 0 {
		t.Errorf("no net.host= tokens: %d bytes", n)
	}
}

// A line that does not fit is left out whole; the ones before it stay.
func TestLinesThatDoNotFit(t *testing.T) {
	cl := []byte("net.host=a:10.0.0.1 net.host=bbbbbbbb:10.0.0.2 net.host=c:10.0.0.3")
	var o Options
	ParseCmdline(cl, &o)
	buf := make([]byte, len("10.0.0.1\ta\n")+len("10.0.0.2\tbbbbbbbb\n")-1)
	if got, want := string(buf[:Hosts(buf, cl, &o.Net)]), "10.0.0.1\ta\n10.0.0.3\tc\n"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if n := ResolvConf(make([]byte, 10), nil, &Net{}); n != 0 {
		t.Errorf("resolv.conf in 10 bytes: %d bytes", n)
	}
}
