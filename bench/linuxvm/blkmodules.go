package linuxvm

import "context"

// blockDrivers are the modules a Debian cloud kernel needs for a
// virtio-blk disk on either machine type: virtio-mmio (QEMU microvm) or
// virtio-pci (pc). Their dependencies are added from each module's
// .modinfo. The file system needs none: Debian's cloud kernel has ext4
// built in (CONFIG_EXT4_FS=y, with jbd2, mbcache and crc16), and it mounts
// ext2 too (CONFIG_EXT4_USE_FOR_EXT2=y); the benchmark checks that when it
// mounts.
var blockDrivers = []string{"virtio_mmio", "virtio_pci", "virtio_blk"}

// BlockModules returns the kernel modules, in load order, that give the
// Linux baseline virtio-blk disks (/dev/vda...). Like NetModules, the first
// call downloads the kernel package again and keeps these few modules in
// the cache (k.Dir/blkmodules).
func (k *Kernel) BlockModules(ctx context.Context) ([]string, error) {
	return k.modules(ctx, "blkmodules", blockDrivers)
}
