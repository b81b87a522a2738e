package vfs

import (
	"unigo.dev/unigo/kernel/devices/virtioblk"
	"unigo.dev/unigo/kernel/fs/memfs"
)

// The disks (virtio block devices) appear as block device files /dev/vda,
// /dev/vdb, ... in probe order, with Linux's numbers for virtio disks:
// major 254, minor 16 per disk.
const (
	TypeBlock = 0o060000 // S_IFBLK
	diskMajor = 254
)

// DiskRdev is the device number of disk i.
func DiskRdev(i int) uint32 { return diskMajor<<8 | uint32(16*i) }

// DiskIndex returns the disk a device number stands for, or -1.
func DiskIndex(rdev uint32) int {
	if rdev>>8 != diskMajor || rdev&15 != 0 || int(rdev&0xff)/16 >= virtioblk.Count() || int(rdev&0xff)/16 == state.rootDisk {
		return -1
	}
	return int(rdev&0xff) / 16
}

// AddDisks makes the device files of the disks found at boot.
func AddDisks() {
	dir := [3]byte{'d', 'e', 'v'}
	dev, e := Lookup(state.root, dir[:])
	if e != 0 {
		return
	}
	name := [3]byte{'v', 'd', 'a'}
	for i := 0; i < virtioblk.Count(); i++ {
		if i == state.rootDisk {
			continue // the image, not a disk of the app's
		}
		name[2] = byte('a' + i)
		if ino, e := Create(dev, name[:], TypeBlock|0o660); e == 0 {
			memfs.SetRdev(ino, DiskRdev(i))
		}
	}
}
