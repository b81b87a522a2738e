package kernel

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/devices/virtio9p"
	"unigo.dev/unigo/kernel/devices/virtioblk"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/vfs"
)

// mountAll sets up what the host asked for besides the image's tree:
// writable in-memory directories (tmpfs=), the volume on a disk
// (mount=DISK:PATH[:ro]) and the host's shared directories
// (share=TAG:PATH[:ro]). A mount that cannot be made
// stops the boot with the reason: an app must not run without its storage.
func mountAll(cl []byte, opts *boot.Options) {
	for i := 0; i < opts.NTmpfs; i++ {
		path := cl[opts.Tmpfs[i].Start:opts.Tmpfs[i].End]
		if !vfs.MountTmpfs(path) {
			klog.Str("boot failed: --tmpfs ")
			klog.Bytes(path)
			klog.Str(": not an absolute directory path the image can have (a file of the image's root is in the way?)\n")
			power.Crash("boot: tmpfs")
		}
	}
	for i := 0; i < opts.NMounts; i++ {
		m := &opts.Mounts[i]
		path := cl[m.Path.Start:m.Path.End]
		if m.Disk >= virtioblk.Count() {
			klog.Str("boot failed: no disk ")
			klog.Dec(int64(m.Disk))
			klog.Str(" to mount at ")
			klog.Bytes(path)
			klog.Str(": the VM has fewer disks than mounts\n")
			power.Crash("boot: volume")
		}
		if e := vfs.MountVolume(m.Disk, path, m.ReadOnly); e != 0 {
			klog.Str("boot failed: cannot mount the volume at ")
			klog.Bytes(path)
			klog.Str(": errno ")
			klog.Dec(int64(e))
			if why := boot.VolumeError(e); why != "" {
				klog.Str(" (")
				klog.Str(why)
				klog.Str(")")
			}
			klog.Str("\n")
			power.Crash("boot: volume")
		}
	}
	for i := 0; i < opts.NShares; i++ {
		sh := &opts.Shares[i]
		tag, path := cl[sh.Tag.Start:sh.Tag.End], cl[sh.Path.Start:sh.Path.End]
		if e := vfs.MountShare(tag, path, sh.ReadOnly); e != 0 {
			klog.Str("boot failed: cannot mount the shared directory ")
			klog.Bytes(tag)
			klog.Str(" at ")
			klog.Bytes(path)
			klog.Str(": errno ")
			klog.Dec(int64(e))
			if why := boot.VolumeError(e); why != "" {
				klog.Str(" (")
				klog.Str(why)
				klog.Str(")")
			}
			klog.Str(" (")
			klog.Dec(int64(virtio9p.Count()))
			klog.Str(" virtio-9p devices)\n")
			power.Crash("boot: share")
		}
	}
}
