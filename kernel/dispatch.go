package kernel

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/devices/lapic"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/devices/virtionet"
	"unigo.dev/unigo/kernel/hostctl"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/syscalls"
	"unigo.dev/unigo/kernel/threads"
)

// threadTrap handles a system call, interrupt or exception of the current
// thread, then chooses the thread to resume. Called from trapCommon on the
// kernel stack. Trap path: no allocation.
func threadTrap() {
	t := threads.Current()
	switch v := t.Frame.Vector; {
	case v == threads.VectorSyscall:
		syscalls.Handle(t)
	case v == lapic.TimerVector:
		lapic.EOI() // the scheduler sees the time slice has ended
		threads.TimerFired()
	case v == lapic.SpuriousVector:
	case v == hostctl.Vector:
		hostctl.Interrupt()
	case virtionet.Owns(v):
		syscalls.NICInterrupt()
	case v < 32:
		threadException(t)
	default:
		lapic.EOI()
	}
	if memory.TLBGrowing() {
		memory.TLBTick(clock.Nanotime(), threads.Halted())
	}
	for {
		next := threads.Schedule()
		if sig := signals.Deliver(next); sig != 0 {
			killedBy(next, sig)
		}
		setCurrent(next)
		return
	}
}

// threadException turns a CPU exception in the app into what Linux would do:
// map a page on demand, or raise the matching signal.
func threadException(t *threads.Thread) {
	f := &t.Frame
	sig, code, addr := 0, int32(0), f.RIP
	switch f.Vector {
	case 14: // page fault
		fault := uintptr(cpu.ReadCR2())
		switch memory.HandleFault(fault, f.ErrorCode&2 != 0, f.ErrorCode&16 != 0) {
		case memory.FaultMapped:
			return
		case memory.FaultNoMemory:
			outOfMemory(f)
		case memory.FaultNoRegion:
			sig, code, addr = signals.SIGSEGV, signals.SegvMapErr, uint64(fault)
		default:
			sig, code, addr = signals.SIGSEGV, signals.SegvAccErr, uint64(fault)
		}
	case 0: // divide error
		sig, code = signals.SIGFPE, signals.FpeIntDiv
	case 6: // invalid opcode
		sig, code = signals.SIGILL, signals.IllIllOpn
	case 13, 12: // general protection, stack segment
		sig, code, addr = signals.SIGSEGV, signals.SIKernel, 0
	case 16, 19: // x87, SIMD floating point
		sig, code = signals.SIGFPE, 0
	case 17: // alignment check
		sig, code = signals.SIGBUS, signals.BusAdrAln
	case 3, 1: // breakpoint, debug
		sig, code = signals.SIGTRAP, signals.SIKernel
	default:
		kernelCrash(f, "exception in the app")
	}
	if !signals.Synchronous(t, sig) {
		appFault(f, sig, addr)
	}
	signals.Raise(t, sig, code, addr)
}

// kernelTrap handles a trap taken while the kernel itself ran: a page fault
// on lazily mapped kernel data, or an interrupt that ends an idle halt.
// It runs on the trap stack.
func kernelTrap(f *threads.Frame) {
	if trapState.depth > 2 {
		// A fault while handling a kernel fault: report without touching
		// anything that could fault again.
		klog.Line("kernel crash: fault inside the kernel's fault handler")
		power.Crash("recursive kernel fault")
	}
	switch v := f.Vector; {
	case v == 14:
		switch memory.HandleFault(uintptr(cpu.ReadCR2()), f.ErrorCode&2 != 0, f.ErrorCode&16 != 0) {
		case memory.FaultMapped:
			return
		case memory.FaultNoMemory:
			outOfMemory(f)
		}
		kernelCrash(f, "page fault in the kernel")
	case v == lapic.TimerVector: // it ends an idle halt
		lapic.EOI()
		threads.TimerFired()
	case v == lapic.SpuriousVector:
	case v == hostctl.Vector:
		hostctl.Interrupt()
	case virtionet.Owns(v):
		syscalls.NICInterrupt()
	case v >= 32:
		lapic.EOI()
	default:
		kernelCrash(f, "exception in the kernel")
	}
}
