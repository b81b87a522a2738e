package qemu

import (
	"slices"
	"strings"
	"testing"

	"unigo.dev/unigo/vmm"
)

func TestDiskArgs(t *testing.T) {
	disks := []vmm.Disk{{Path: "/data/a.img"}, {Path: "/data/b,c.img", ReadOnly: true}}
	for _, tt := range []struct {
		machine string
		want    []string
	}{
		{MachineMicroVM, []string{
			"-global", "virtio-mmio.force-legacy=false",
			"-drive", "file=/data/a.img,if=none,id=disk0,format=raw,cache=writeback",
			"-device", "virtio-blk-device,drive=disk0",
			"-drive", "file=/data/b,,c.img,if=none,id=disk1,format=raw,cache=writeback,readonly=on",
			"-device", "virtio-blk-device,drive=disk1",
		}},
		{MachinePC, []string{
			"-drive", "file=/data/a.img,if=none,id=disk0,format=raw,cache=writeback",
			"-device", "virtio-blk-pci,drive=disk0",
			"-drive", "file=/data/b,,c.img,if=none,id=disk1,format=raw,cache=writeback,readonly=on",
			"-device", "virtio-blk-pci,drive=disk1",
		}},
	} {
		args := qemuArgs(vmm.Spec{Image: "app.img", Disks: disks}, options{machine: tt.machine}, Accel{Name: "tcg", CPU: "max"})
		i := slices.Index(args, "-append")
		if i < 0 || !slices.Equal(args[i+2:], tt.want) {
			t.Errorf("%s: the arguments after the command line are\n%q\nwant\n%q", tt.machine, args[i+2:], tt.want)
		}
	}
	// No disks, no disk arguments (nor the virtio-mmio global).
	args := qemuArgs(vmm.Spec{Image: "app.img"}, options{machine: MachineMicroVM}, Accel{Name: "tcg", CPU: "max"})
	if s := strings.Join(args, " "); strings.Contains(s, "-drive") || strings.Contains(s, "virtio") {
		t.Errorf("disk arguments without disks: %s", s)
	}
}

func TestNetArgs(t *testing.T) {
	n := &vmm.NetSpec{Forwards: []vmm.Forward{
		{HostPort: 8080, GuestPort: 80},
		{Proto: "udp", HostIP: "127.0.0.1", HostPort: 5353, GuestPort: 53},
	}}
	const backend = "user,id=net0,hostfwd=tcp::8080-:80,hostfwd=udp:127.0.0.1:5353-:53"
	disk := []vmm.Disk{{Path: "/data/a.img"}}
	for _, tt := range []struct {
		machine string
		disks   []vmm.Disk
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
		args := qemuArgs(vmm.Spec{Image: "app.img", Disks: tt.disks, Net: n}, options{machine: tt.machine}, Accel{Name: "tcg", CPU: "max"})
		i := slices.Index(args, "-append")
		if i < 0 || !slices.Equal(args[i+2:], tt.want) {
			t.Errorf("%s: the arguments after the command line are\n%q\nwant\n%q", tt.machine, args[i+2:], tt.want)
		}
	}
	// A MAC of the spec's own; no forwards.
	got := netArgs(MachineMicroVM, &vmm.NetSpec{MAC: "02:AA:BB:CC:DD:EE"}, 0)
	if want := []string{"-netdev", "user,id=net0", "-device", "virtio-net-device,netdev=net0,mac=02:aa:bb:cc:dd:ee"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// No card, no network arguments.
	args := qemuArgs(vmm.Spec{Image: "app.img"}, options{machine: MachinePC}, Accel{Name: "tcg", CPU: "max"})
	if s := strings.Join(args, " "); strings.Contains(s, "-netdev") || strings.Contains(s, "virtio") {
		t.Errorf("network arguments without a card: %s", s)
	}
}

// usernet passt puts the card on passt (slirp stays the default, published
// ports or not): QEMU reaches it on an inherited socket, and passt gets the
// guest's view of QEMU's user-mode network and the forwards.
func TestNetOnPasst(t *testing.T) {
	n := &vmm.NetSpec{Forwards: []vmm.Forward{
		{HostPort: 8080, GuestPort: 80},
		{Proto: "udp", HostIP: "127.0.0.1", HostPort: 5353, GuestPort: 53},
	}}
	for _, tt := range []struct {
		usernet string
		n       *vmm.NetSpec
		want    bool
	}{
		{"", n, false}, {UserNetSlirp, n, false}, {UserNetPasst, n, true},
		{"", &vmm.NetSpec{}, false}, {UserNetPasst, &vmm.NetSpec{}, true},
		{"", &vmm.NetSpec{Tap: "unigo0"}, false}, {UserNetPasst, &vmm.NetSpec{Tap: "unigo0"}, false},
		{UserNetPasst, nil, false},
	} {
		if got := (options{usernet: tt.usernet}).onPasst(tt.n); got != tt.want {
			t.Errorf("usernet %q, card %+v: on passt %v, want %v", tt.usernet, tt.n, got, tt.want)
		}
	}
	got := netArgs(MachineMicroVM, n, fdNetStart)
	want := []string{"-netdev", "stream,id=net0,addr.type=fd,addr.str=8", "-device", "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	args := strings.Join(passtArgs(n, 3), " ")
	for _, w := range []string{"--fd 3", "--one-off", "--foreground", "--address 10.0.2.15 --netmask 24 --gateway 10.0.2.2",
		"--dns-forward 10.0.2.3", "--mtu 1500", "-t 8080:80", "-u 127.0.0.1/5353:53"} {
		if !strings.Contains(args, w) {
			t.Errorf("passt's arguments %q lack %q", args, w)
		}
	}
	if _, err := readOptions(map[string]string{OptionUserNet: "vde"}); err == nil || !strings.Contains(err.Error(), "passt or slirp") {
		t.Errorf("usernet vde: %v", err)
	}
}

// A network's MTU reaches the guest through the card (VIRTIO_NET_F_MTU).
func TestNetMTUArgs(t *testing.T) {
	got := strings.Join(netArgs(MachineMicroVM, &vmm.NetSpec{Tap: "unigo0", MTU: 1400}, 0), " ")
	if !strings.Contains(got, "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56,host_mtu=1400") {
		t.Errorf("no host_mtu: %s", got)
	}
	if got := strings.Join(netArgs(MachineMicroVM, &vmm.NetSpec{}, 0), " "); strings.Contains(got, "host_mtu") {
		t.Errorf("host_mtu nobody asked for: %s", got)
	}
	if err := (vmm.Spec{Image: "x", Net: &vmm.NetSpec{MTU: 9000}}).Check(); err == nil || !strings.Contains(err.Error(), "MTU 9000") {
		t.Errorf("MTU 9000 accepted: %v", err)
	}
}

// The tcg-cache option bounds TCG's code cache; KVM has none to bound; a
// bad size is refused.
func TestTCGCacheOption(t *testing.T) {
	opts, err := readOptions(map[string]string{OptionTCGCache: "8"})
	if err != nil {
		t.Fatal(err)
	}
	for accel, want := range map[string]string{"tcg": "tcg,tb-size=8", "kvm": "kvm"} {
		args := qemuArgs(vmm.Spec{Image: "app.img"}, opts, Accel{Name: accel, CPU: "max"})
		if i := slices.Index(args, "-accel"); i < 0 || args[i+1] != want {
			t.Errorf("%s: -accel %v, want %q", accel, args, want)
		}
	}
	if args := qemuArgs(vmm.Spec{Image: "app.img"}, options{machine: MachineMicroVM}, Accel{Name: "tcg", CPU: "max"}); slices.Contains(args, "tcg,tb-size=8") {
		t.Errorf("no option, yet the cache is bounded: %v", args)
	}
	for _, bad := range []string{"0", "-1", "8M", "99999"} {
		if _, err := readOptions(map[string]string{OptionTCGCache: bad}); err == nil {
			t.Errorf("tcg-cache %q accepted", bad)
		}
	}
}
