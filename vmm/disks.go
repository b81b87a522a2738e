package vmm

import (
	"fmt"
	"os"
	"strings"
)

// Disk is a host file the guest sees as a virtio block device: the spec's
// disks are /dev/vda, /dev/vdb, ... in order (docs/boot-contract.md).
type Disk struct {
	Path     string // a raw disk image
	ReadOnly bool   // the guest cannot write it (the device offers VIRTIO_BLK_F_RO)
}

// MaxDisks is how many disks the guest kernel drives.
const MaxDisks = 8

// checkDisks rejects what QEMU would refuse with a less helpful message.
func checkDisks(disks []Disk) error {
	if len(disks) > MaxDisks {
		return fmt.Errorf("%d disks: the guest drives at most %d", len(disks), MaxDisks)
	}
	for _, d := range disks {
		st, err := os.Stat(d.Path)
		if err != nil {
			return fmt.Errorf("disk: %w", err)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("disk %s: not a regular file", d.Path)
		}
	}
	return nil
}

// diskArgs are QEMU's arguments for the disks: a raw drive and a virtio
// block device each, virtio-mmio version 2 (not QEMU's legacy default) on
// microvm, virtio-pci on pc. The guest finds them in this order on both.
//
// cache=writeback: guest writes go to the host's page cache (so the host
// sees them as soon as they complete), the device offers a volatile write
// cache (VIRTIO_BLK_F_FLUSH), and the guest's FLUSH (its fsync) becomes
// fdatasync on the host file: durable when the guest's fsync returns. The
// O_DIRECT modes (none, directsync) would also honour FLUSH but cannot open
// files on tmpfs; writethrough would sync every write.
func diskArgs(machine string, disks []Disk) []string {
	if len(disks) == 0 {
		return nil
	}
	var args []string
	device := "virtio-blk-pci"
	if machine == MachineMicroVM {
		args = append(args, "-global", "virtio-mmio.force-legacy=false")
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
