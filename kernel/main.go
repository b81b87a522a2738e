package kernel

import (
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/devices/serial"
	"unigo.dev/unigo/kernel/klog"
)

// kernelMain runs on the kernel stack as the fake kernel goroutine, before the
// Go runtime exists: it must not allocate.
func kernelMain(startInfo uintptr) {
	serial.COM1.Init()
	serial.COM2.Init()
	klog.Str("unigo: hello from the kernel, start info at ")
	klog.Hex(uint64(startInfo))
	klog.Str("\n")
	power.Exit(0)
}
