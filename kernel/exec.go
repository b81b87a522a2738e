package kernel

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/loader"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// execMode is "1" in the kernel of unmodified executables (set by the
// linker: build.Exec). That kernel does not start the Go runtime it is
// linked with; it loads the program that exeLink names and starts it
// (docs/exec-design.md).
var execMode string

// execNet is "1" when that kernel carries the network stack (build links
// it only for a program that may use sockets): then the program's first
// socket call starts the kernel's own runtime to run it (prepareService).
var execNet string

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

// The service process's initial stack: below the app's, as large.
const serviceStackTop = stackTop - 1<<32

// serviceName is the service's argv[0]; serviceOpts its parsed command
// line (in BSS: too large for the kernel stack).
var (
	serviceName = [...]byte{'u', 'n', 'i', 'g', 'o', '-', 'k', 'e', 'r', 'n', 'e', 'l'}
	serviceOpts boot.Options
)

// prepareService makes the service process: the kernel image's own Go
// runtime, which runs the network stack, as a thread from the runtime's
// entry on a stack of its own, held. The program's first socket call
// starts it (its case in syscalls.dispatch) and waits until the service's
// main has run every package's init (privcalls.ExecStart), so that the call
// finds the stack there; a program that never calls socket never pays for
// it.
func prepareService(vdso uintptr, memoryLimit uint64) {
	serviceOpts.Args[0] = boot.Span{Start: 0, End: int32(len(serviceName))}
	serviceOpts.NArgs = 1
	in := boot.StackInput{Cmdline: serviceName[:], Opts: &serviceOpts, MemoryLimit: memoryLimit, SysinfoEhdr: vdso}
	t := firstThread(rt0Addr(), initialStack(serviceStackTop, &in, "the network stack's"))
	t.Proc = threads.Service
	threads.Hold(t)
}

// serviceMemoryLimit splits the Go memory limit between the service's
// runtime (an eighth, 4 to 64 MiB: the network stack's buffers) and the
// program's; it returns both.
func serviceMemoryLimit(limit uint64) (service, app uint64) {
	service = min(max(limit/8, 4<<20), 64<<20)
	if limit <= 2*service {
		return 0, limit // too little to split; the runtime's default applies
	}
	return service, limit - service
}
