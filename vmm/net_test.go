package vmm

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestNetArgs(t *testing.T) {
	n := &NetSpec{Forwards: []Forward{
		{HostPort: 8080, GuestPort: 80},
		{Proto: "udp", HostIP: "127.0.0.1", HostPort: 5353, GuestPort: 53},
	}}
	const backend = "user,id=net0,hostfwd=tcp::8080-:80,hostfwd=udp:127.0.0.1:5353-:53"
	disk := []Disk{{Path: "/data/a.img"}}
	for _, tt := range []struct {
		machine string
		disks   []Disk
		want    []string
	}{
		{MachineMicroVM, nil, []string{
			"-global", "virtio-mmio.force-legacy=false",
			"-netdev", backend,
			"-device", "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56",
		}},
		{MachinePC, nil, []string{
			"-netdev", backend,
			"-device", "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,romfile=",
		}},
		// Disks and a card: the virtio-mmio global once, disks first.
		{MachineMicroVM, disk, []string{
			"-global", "virtio-mmio.force-legacy=false",
			"-drive", "file=/data/a.img,if=none,id=disk0,format=raw,cache=writeback",
			"-device", "virtio-blk-device,drive=disk0",
			"-netdev", backend,
			"-device", "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56",
		}},
	} {
		args := (&QEMU{}).Args(Spec{Image: "app.img", Machine: tt.machine, Disks: tt.disks, Net: n}, Accel{Name: "tcg", CPU: "max"})
		i := slices.Index(args, "-append")
		if i < 0 || !slices.Equal(args[i+2:], tt.want) {
			t.Errorf("%s: the arguments after the command line are\n%q\nwant\n%q", tt.machine, args[i+2:], tt.want)
		}
	}
	// A MAC of the spec's own; no forwards.
	got := netArgs(MachineMicroVM, &NetSpec{MAC: "02:AA:BB:CC:DD:EE"})
	if want := []string{"-netdev", "user,id=net0", "-device", "virtio-net-device,netdev=net0,mac=02:aa:bb:cc:dd:ee"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// No card, no network arguments.
	args := (&QEMU{}).Args(Spec{Image: "app.img", Machine: MachinePC}, Accel{Name: "tcg", CPU: "max"})
	if s := strings.Join(args, " "); strings.Contains(s, "-netdev") || strings.Contains(s, "virtio") {
		t.Errorf("network arguments without a card: %s", s)
	}
}

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

func TestStartRejectsBadNet(t *testing.T) {
	img := floorImage(t, nil)
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
		_, err := (&QEMU{}).Start(context.Background(), Spec{Image: img, Net: &tt.net})
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
	got := netArgs(MachinePC, n)
	if want := []string{"-netdev", "tap,id=net0,ifname=unigo0,script=no,downscript=no", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,romfile="}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	cl := kernelCmdline(Cmdline{Args: []string{"app"}}, nil, n)
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
