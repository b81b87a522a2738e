package qemu

import (
	"fmt"
	"strings"

	"unigo.dev/unigo/vmm"
)

// diskArgs are QEMU's arguments for the disks: a raw drive and a virtio
// block device each, virtio-mmio on microvm (version 2: Args adds
// -global virtio-mmio.force-legacy=false), virtio-pci on pc. The guest
// finds them in this order on both.
//
// cache=writeback: guest writes go to the host's page cache (so the host
// sees them as soon as they complete), the device offers a volatile write
// cache (VIRTIO_BLK_F_FLUSH), and the guest's FLUSH (its fsync) becomes
// fdatasync on the host file: durable when the guest's fsync returns. The
// O_DIRECT modes (none, directsync) would also honour FLUSH but cannot open
// files on tmpfs; writethrough would sync every write.
func diskArgs(machine string, disks []vmm.Disk) []string {
	if len(disks) == 0 {
		return nil
	}
	var args []string
	device := "virtio-blk-pci"
	if machine == MachineMicroVM {
		device = "virtio-blk-device"
	}
	for i, d := range disks {
		id := fmt.Sprintf("disk%d", i)
		drive := "file=" + strings.ReplaceAll(d.Path, ",", ",,") + ",if=none,id=" + id + ",format=raw,cache=writeback"
		if d.ReadOnly {
			drive += ",readonly=on"
		}
		args = append(args, "-drive", drive, "-device", device+",drive="+id)
	}
	return args
}

// shareArgs are QEMU's arguments for the shared directories: a local
// fsdev and a virtio-9p device each (virtio-mmio on microvm, virtio-pci on
// pc), tagged vmm.ShareTag(i), which the guest mounts by.
//
// security_model=none: QEMU creates and writes the files as its own user
// with the modes the guest asks for, and ignores what it may not do
// (chown when unprivileged): it works both as an ordinary user and as root
// (Docker's runtime), and the files on the host are plain files that the
// host's programs read as they are. mapped-xattr would keep the guest's
// owners and modes in extended attributes, so the host would see every
// file as 0600 of QEMU's user, and it fails where user xattrs do not
// exist (tmpfs before Linux 6.6); passthrough needs root for chown.
// multidevs=remap keeps qid paths unique when the directory spans several
// host file systems (the guest knows files by them).
func shareArgs(machine string, shares []vmm.Share) []string {
	var args []string
	device := "virtio-9p-pci"
	if machine == MachineMicroVM {
		device = "virtio-9p-device"
	}
	for i, s := range shares {
		id := fmt.Sprintf("fs%d", i)
		fsdev := "local,id=" + id + ",path=" + strings.ReplaceAll(s.Path, ",", ",,") + ",security_model=none,multidevs=remap"
		if s.ReadOnly {
			fsdev += ",readonly=on"
		}
		args = append(args, "-fsdev", fsdev, "-device", device+",fsdev="+id+",mount_tag="+vmm.ShareTag(i))
	}
	return args
}

// netArgs are QEMU's arguments for the network card: its backend, and a
// virtio-net device on it: virtio-mmio on microvm (version 2: the caller
// adds -global virtio-mmio.force-legacy=false), modern virtio-pci on pc,
// without an option ROM (the kernel boots directly; no PXE). The backend
// is passt on the connected socket passtFD when that is not 0 (the
// forwards are passt's: usernet.go); else QEMU's user-mode network with
// the forwards (hostfwd=PROTO:HOSTIP:HOSTPORT-:GUESTPORT; an empty guest
// address is the guest's DHCP address, 10.0.2.15); or the tap device.
func netArgs(machine string, n *vmm.NetSpec, passtFD int) []string {
	if n == nil {
		return nil
	}
	backend := "user,id=net0"
	for _, f := range n.Forwards {
		backend += fmt.Sprintf(",hostfwd=%s:%s:%d-:%d", f.Protocol(), f.HostIP, f.HostPort, f.GuestPort)
	}
	if passtFD != 0 {
		// QEMU 7.2's stream netdev: frames with a 4-byte length, as passt
		// speaks them.
		backend = fmt.Sprintf("stream,id=net0,addr.type=fd,addr.str=%d", passtFD)
	}
	if n.Tap != "" {
		// QEMU opens the device by name; the host set it up (no scripts).
		backend = "tap,id=net0,ifname=" + n.Tap + ",script=no,downscript=no"
	}
	mac := n.MAC
	if mac == "" {
		mac = vmm.DefaultMAC
	}
	device := "virtio-net-pci,netdev=net0,mac=" + strings.ToLower(mac) + ",romfile="
	if machine == MachineMicroVM {
		device = "virtio-net-device,netdev=net0,mac=" + strings.ToLower(mac)
	}
	if n.MTU > 0 {
		device += fmt.Sprintf(",host_mtu=%d", n.MTU) // the VIRTIO_NET_F_MTU feature
	}
	return []string{"-netdev", backend, "-device", device}
}
