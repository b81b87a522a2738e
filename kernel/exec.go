package kernel

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/loader"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/vfs"
)

// execMode is "1" in the kernel of unmodified executables (set by the
// linker: build.Exec). That kernel does not start the Go runtime it is
// linked with; it loads the program that exeLink names and starts it
// (docs/exec-design.md).
var execMode string

// exeLink names the program to load, in the image's root.
const exeLink = "/.unigo/exe"

var (
	exeLinkName [len(exeLink)]byte
	exePath     [vfs.PathMax]byte
	walkBuf     [vfs.PathMax]byte
)

// loadProgram maps the program into the address space, starts its break,
// points /proc/self/exe at it and returns what its initial stack tells it.
// A program that cannot be loaded ends the boot with the reason.
func loadProgram() boot.ExecAux {
	copy(exeLinkName[:], exeLink)
	r, e := vfs.Walk(vfs.Root(), exeLinkName[:], vfs.NoFollow, &walkBuf)
	n := 0
	if e == 0 && r.Ino != 0 {
		n, _ = vfs.ReadAt(r.Ino, exePath[:], 0)
	}
	if n == 0 {
		klog.Line("boot failed: the image names no program to run (" + exeLink + "): rebuild it with unigo build --exec")
		power.Crash("boot: no program")
	}
	path := exePath[:n]
	var p loader.Program
	if msg := loader.Load(path, &p); msg != "" {
		klog.Str("boot failed: ")
		klog.Bytes(path)
		klog.Str(": ")
		klog.Str(msg)
		klog.Str("\n")
		power.Crash("boot: program")
	}
	memory.SetBrk(p.BrkStart)
	vfs.SetExe(path)
	return boot.ExecAux{Path: path, Phdr: p.Phdr, Phnum: p.Phnum, Entry: p.Entry}
}
