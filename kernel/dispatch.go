package kernel

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/consolein"
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

// The vectors the kernel names: the CPU's exceptions it tells apart, and
// where the interrupts begin.
const (
	vecDivide            = 0
	vecDebug             = 1
	vecNMI               = 2
	vecBreakpoint        = 3
	vecInvalidOpcode     = 6
	vecDoubleFault       = 8
	vecStackSegment      = 12
	vecGeneralProtection = 13
	vecPageFault         = 14
	vecX87               = 16
	vecAlignment         = 17
	vecMachineCheck      = 18
	vecSIMD              = 19
	firstInterrupt       = 32 // 32-255: interrupts, routed by interrupts[]
)

// route names what an interrupt vector's interrupt does.
type route uint8

const (
	routeUnexpected route = iota // nobody asked for it: acknowledged and dropped
	routeSpurious                // the APIC's spurious vector: no EOI
	routeTimer                   // the LAPIC timer: a time slice or a sleep ended
	routeHostctl                 // the host's control input (COM3)
	routeStdin                   // the app's standard input (COM4)
	routeNIC                     // the network card
	nRoutes
)

// routeHandlers runs each route. The linker fills it (static functions in
// a composite literal) and nothing writes it: a func value stored at run
// time would be a pointer store, with the GC's write barrier.
var routeHandlers = [nRoutes]func(){
	routeUnexpected: lapic.EOI,
	routeSpurious:   ignoreInterrupt,
	routeTimer:      timerInterrupt,
	routeHostctl:    hostctl.Interrupt,
	routeStdin:      consolein.Interrupt,
	routeNIC:        syscalls.NICInterrupt,
}

// interrupts is the interrupt-routing table, indexed by vector: the fixed
// vectors here (the initialiser also keeps it in loaded data), the devices'
// added at boot by routeDevices.
var interrupts = [256]route{
	lapic.TimerVector:    routeTimer,
	lapic.SpuriousVector: routeSpurious,
	hostctl.Vector:       routeHostctl,
	consolein.Vector:     routeStdin,
}

// routeDevices routes the interrupts of the devices found at boot: their
// I/O APIC lines' vectors. It runs before interrupts are enabled.
func routeDevices() {
	if v := virtionet.Vector(); v != 0 {
		interrupts[uint8(v)] = routeNIC
	}
}

// interrupt handles interrupt vector v, the same from a thread or from the
// kernel.
func interrupt(v uint64) { routeHandlers[interrupts[uint8(v)]]() }

func ignoreInterrupt() {}

func timerInterrupt() {
	lapic.EOI() // the scheduler sees the time slice has ended
	threads.TimerFired()
}

// threadTrap handles a system call, interrupt or exception of the current
// thread, then chooses the thread to resume. Called from trapCommon on the
// kernel stack. Trap path: no allocation.
func threadTrap() {
	t := threads.Current()
	switch v := t.Frame.Vector; {
	case v == threads.VectorSyscall:
		syscalls.Handle(t)
	case v < firstInterrupt:
		threadException(t)
	default:
		interrupt(v)
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
	case vecPageFault:
		fault := uintptr(cpu.ReadCR2())
		switch memory.HandleFault(fault, f.ErrorCode&2 != 0, f.ErrorCode&16 != 0) {
		case memory.FaultMapped:
			return
		case memory.FaultNoMemory:
			outOfMemory(f)
		case memory.FaultNoRegion:
			sig, code, addr = signals.SIGSEGV, signals.SegvMapErr, uint64(fault)
		case memory.FaultPastEOF:
			sig, code, addr = signals.SIGBUS, signals.BusAdrErr, uint64(fault)
		default:
			sig, code, addr = signals.SIGSEGV, signals.SegvAccErr, uint64(fault)
		}
	case vecDivide:
		sig, code = signals.SIGFPE, signals.FpeIntDiv
	case vecInvalidOpcode:
		sig, code = signals.SIGILL, signals.IllIllOpn
	case vecGeneralProtection, vecStackSegment:
		sig, code, addr = signals.SIGSEGV, signals.SIKernel, 0
	case vecX87, vecSIMD:
		sig, code = signals.SIGFPE, 0
	case vecAlignment:
		sig, code = signals.SIGBUS, signals.BusAdrAln
	case vecBreakpoint, vecDebug:
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
	case v >= firstInterrupt:
		interrupt(v)
	case v == vecPageFault:
		switch memory.HandleFault(uintptr(cpu.ReadCR2()), f.ErrorCode&2 != 0, f.ErrorCode&16 != 0) {
		case memory.FaultMapped:
			return
		case memory.FaultNoMemory:
			outOfMemory(f)
		}
		kernelCrash(f, "page fault in the kernel")
	default:
		kernelCrash(f, "exception in the kernel")
	}
}
