package kernel

import (
	"unsafe"

	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

var exceptionNames = [32]string{
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved", "x87 floating-point error", "alignment check",
	"machine check", "SIMD floating-point error", "virtualization exception",
	"control protection", 29: "VMM communication", 30: "security exception",
}

// report prints the registers and a frame-pointer backtrace. Every code
// address is printed as pc=0x...: unigo run resolves those to function and
// file:line from the image's symbol table.
func report(f *threads.Frame) {
	line := func(name string, v uint64) {
		klog.Str(" ")
		klog.Str(name)
		klog.Str("=")
		klog.Hex(v)
	}
	klog.Str("unigo:  vector=")
	klog.Dec(int64(f.Vector))
	if f.Vector < 32 {
		klog.Str(" (")
		klog.Str(exceptionNames[f.Vector])
		klog.Str(")")
	}
	line("error", f.ErrorCode)
	if f.Vector == 14 {
		line("addr", cpu.ReadCR2())
	}
	klog.Str("\nunigo:  pc=")
	klog.Hex(f.RIP)
	klog.Str("\nunigo: ")
	line("rax", f.RAX)
	line("rbx", f.RBX)
	line("rcx", f.RCX)
	line("rdx", f.RDX)
	klog.Str("\nunigo: ")
	line("rsi", f.RSI)
	line("rdi", f.RDI)
	line("rbp", f.RBP)
	line("rsp", f.RSP)
	klog.Str("\nunigo: ")
	line("r8", f.R8)
	line("r9", f.R9)
	line("r10", f.R10)
	line("r11", f.R11)
	klog.Str("\nunigo: ")
	line("r12", f.R12)
	line("r13", f.R13)
	line("r14", f.R14)
	line("r15", f.R15)
	klog.Str("\nunigo: ")
	line("rflags", f.RFLAGS)
	line("cr3", cpu.ReadCR3())
	klog.Str("\nunigo:  backtrace:\n")
	bp := uintptr(f.RBP)
	for i := 0; i < 32 && bp != 0 && bp&7 == 0; i++ {
		if _, ok := memory.Translate(bp); !ok {
			break
		}
		if _, ok := memory.Translate(bp + 8); !ok {
			break
		}
		ret := *(*uint64)(unsafe.Add(nil, bp+8))
		if ret == 0 {
			break
		}
		klog.Str("unigo:    pc=")
		klog.Hex(ret - 1) // inside the call instruction
		klog.Str("\n")
		bp = uintptr(*(*uint64)(unsafe.Add(nil, bp)))
	}
}

// kernelCrash reports a fault in the kernel and stops the VM.
func kernelCrash(f *threads.Frame, what string) {
	klog.Str("unigo: kernel crash: ")
	klog.Str(what)
	klog.Str("\n")
	report(f)
	power.Crash("kernel fault")
}

// appFault reports a fault the app has no handler for and stops the VM with
// the signal (as Linux would kill the process).
func appFault(f *threads.Frame, sig int, addr uint64) {
	klog.Str("unigo: the app died of signal ")
	klog.Dec(int64(sig))
	klog.Str(" (no handler) at address ")
	klog.Hex(addr)
	klog.Str("\n")
	report(f)
	vfs.Unmount()
	power.KilledBy(sig)
}

// killedBy ends the VM for a signal whose default action terminates (the
// volume is written back first, as for an exit).
func killedBy(t *threads.Thread, sig int) {
	vfs.Unmount()
	power.KilledBy(sig)
}

// outOfMemory reports that RAM ran out.
func outOfMemory(f *threads.Frame) {
	used, total := memory.Usage()
	klog.Str("unigo: out of memory: all ")
	klog.Dec(int64(total * memory.PageSize >> 20))
	klog.Str(" MiB of usable RAM are in use (")
	klog.Dec(int64(used))
	klog.Str(" pages); run with a larger --memory\n")
	report(f)
	power.Crash("out of memory")
}
