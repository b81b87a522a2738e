package kernel

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/vfs"
)

// mountAll sets up what the host asked for besides the image's tree:
// writable in-memory directories (tmpfs=). A mount that cannot be made
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
}
