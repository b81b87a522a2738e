package kernel

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/consolein"
	"unigo.dev/unigo/kernel/cpu"
	"unigo.dev/unigo/kernel/devices/ioapic"
	"unigo.dev/unigo/kernel/devices/lapic"
	"unigo.dev/unigo/kernel/devices/pit"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/devices/rtc"
	"unigo.dev/unigo/kernel/devices/serial"
	"unigo.dev/unigo/kernel/devices/virtio9p"
	"unigo.dev/unigo/kernel/devices/virtioblk"
	"unigo.dev/unigo/kernel/devices/virtionet"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/hostctl"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/random"
	"unigo.dev/unigo/kernel/syscalls"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// The app's initial stack: its top, its size, and how much is set up at boot.
const (
	stackTop      uintptr = 0x7fff_0000_0000
	stackSize             = 8 << 20
	stackBootPart         = 64 << 10
)

// cmdline holds the decoded command line; argv and envp strings are copied
// from it onto the app's stack.
var cmdline [16 << 10]byte

// kernelMain brings the machine up and starts the Go runtime. It runs on the
// kernel stack as the fake kernel goroutine, before the runtime exists, so it
// must not allocate. The steps, in order:
func kernelMain(startInfo uintptr) {
	mark(stepEntry)
	// 1. Consoles, so that every later step can report.
	serial.COM1.Init()
	serial.COM2.Init()

	// 2. Memory: the real page tables, then demand paging is possible.
	var ram [32]memory.RAM
	n := readMemoryMap(startInfo, &ram)
	if n == 0 || !memory.Init(ram[:n], imageEndAddr()) {
		klog.Line("boot failed: no usable memory map from the loader, or too little memory for the image")
		power.Crash("boot: memory")
	}

	mark(stepMemory)

	// 3. Descriptor tables, traps and the system-call entry.
	stacks := stacksAddr()
	cpu.LoadGDT()
	cpu.SetIST(1, stacks+trapStackTop)
	cpu.SetIST(2, stacks+doubleFaultTop)
	for v := 0; v < 256; v++ {
		ist := 1
		if v == vecNMI || v == vecDoubleFault || v == vecMachineCheck {
			ist = 2
		}
		cpu.SetGate(v, vectorsAddr()+uintptr(v*vectorStubSize), ist)
	}
	cpu.LoadIDT()
	cpu.Wrmsr(cpu.MSRSTAR, uint64(cpu.KernelCS)<<32)
	cpu.Wrmsr(cpu.MSRLSTAR, uint64(syscallEntryAddr()))
	cpu.Wrmsr(cpu.MSRFMASK, 0x47700) // clear IF, TF, DF, AC, NT on entry

	mark(stepTraps)

	// 4. Interrupts and time: legacy PICs off, LAPIC timer, clocks.
	cpu.Outb(0x21, 0xff)
	cpu.Outb(0xa1, 0xff)
	cl := cmdline[:copyCmdline(startInfo, cmdline[:])]
	var opts boot.Options
	boot.ParseCmdline(cl, &opts)
	lapic.Init()
	ioapic.Init()
	hostctl.Init()
	consolein.Init()
	calibrateClocks(opts.TSCHz)
	clock.SetWall(rtc.UnixSeconds() * 1e9)
	memory.EnableTLBGrowth(clock.Nanotime(), 0)
	mark(stepClocks)

	// 5. Devices on the buses: the disks, the network card.
	virtioblk.Probe()
	virtio9p.Probe()
	virtionet.Probe()
	routeDevices()
	mark(stepDevices)

	// 6. The app's first thread.
	syscalls.Trace = opts.Trace
	syscalls.KernelFault = opts.KernelFault
	syscalls.ShowStats = opts.BootTime
	files.Init()
	var exe []byte
	if opts.NArgs > 0 {
		exe = cl[opts.Args[0].Start:opts.Args[0].End]
	}
	root := vfs.ImageRoot{Archive: memory.Rootfs()}
	if off, size := memory.RootDisk(); size > 0 {
		root = vfs.ImageRoot{Disk: vfs.FindRootDisk(memory.ImageHeader()), DiskOff: off, DiskSize: size}
		if root.Disk < 0 {
			klog.Line("boot failed: the image keeps its root file system in its file, but the VM's last disk is not the image file (boot it with 'unigo run', which attaches it; docs/boot-contract.md)")
			power.Crash("boot: root disk")
		}
	}
	if !vfs.Init(exe, root) {
		klog.Line("boot failed: cannot build the file tree (a damaged root file system in the image, or too little memory for it: run with a larger --memory)")
		power.Crash("boot: files")
	}
	memory.ReleaseRootfs()
	if virtionet.Present() {
		setUpNetwork(cl, &opts.Net)
	}
	vfs.AddDisks()
	vfs.SetRootReadOnly(opts.ReadOnly)
	mountAll(cl, &opts)
	if opts.Cwd.End > opts.Cwd.Start && !vfs.SetCwdPath(cl[opts.Cwd.Start:opts.Cwd.End]) {
		klog.Line("boot failed: the working directory given with cwd= does not exist in the image")
		power.Crash("boot: cwd")
	}
	if opts.BootTime {
		klog.Str("unigo: boot: TSC ")
		klog.Dec(int64(clock.TSCHz()))
		klog.Str(" Hz\n")
	}
	startApp(cl, &opts, opts.BootTime)
}

// calibrateClocks measures the TSC and LAPIC timer rates. When the host
// passed the TSC frequency (tsc_hz=: under QEMU the guest's TSC runs at the
// host's rate), only the LAPIC timer is measured, against the TSC, in 0.25 ms;
// otherwise both are measured against the PIT, in 4 ms. Either way the PIT
// is stopped after (pit.Stop): nothing else uses it.
func calibrateClocks(tscHz uint64) {
	if tscHz >= 100e6 && tscHz <= 20e9 {
		clock.SetTSCHz(tscHz)
		window := tscHz / 4000
		lapic.StartCount()
		t0 := cpu.Rdtsc()
		for cpu.Rdtsc()-t0 < window {
		}
		ticks := lapic.Elapsed()
		t1 := cpu.Rdtsc()
		lapic.SetRate(uint64(ticks) * tscHz / (t1 - t0))
		pit.Stop()
		return
	}
	const window = pit.Hz / 250 // 4 ms
	if !pit.Present() {
		klog.Line("boot failed: no PIT to calibrate the clocks against (QEMU: -M microvm,pit=on)")
		power.Crash("boot: no PIT")
	}
	start := pit.Start()
	lapic.StartCount()
	t0 := cpu.Rdtsc()
	pit.WaitTicks(start, window)
	t1 := cpu.Rdtsc()
	ticks := lapic.Elapsed()
	clock.SetTSCHz((t1 - t0) * pit.Hz / window)
	lapic.SetRate(uint64(ticks) * pit.Hz / window)
	pit.Stop()
}

// goMemoryLimit is the Go runtime's soft memory limit: the RAM still free
// when the app starts, less an eighth (at least 512 KiB) for what the kernel
// takes outside the runtime's count: page tables, socket buffers, pipe and
// file pages.
func goMemoryLimit() uint64 {
	used, total := memory.Usage()
	free := uint64(total-used) * memory.PageSize
	reserve := free / 8
	if reserve < 512<<10 {
		reserve = 512 << 10
	}
	if free <= 2*reserve {
		return 0 // too little to plan with; the runtime's default applies
	}
	return free - reserve
}

// startApp maps the app's stack, lays out argc/argv/envp/auxv on it and
// enters the Go runtime's entry point as thread 1 (or, in the kernel of
// unmodified executables, the loaded program's entry).
func startApp(cl []byte, opts *boot.Options, showTimes bool) {
	in := boot.StackInput{Cmdline: cl, Opts: opts, MemoryLimit: goMemoryLimit(), SysinfoEhdr: buildVDSO()}
	entry := rt0Addr()
	var exec boot.ExecAux
	withService := execMode != "" && execNet != ""
	var serviceLimit uint64
	if execMode != "" {
		exec = loadProgram()
		in.Exec, entry = &exec, exec.Entry
		if withService {
			serviceLimit, in.MemoryLimit = serviceMemoryLimit(in.MemoryLimit)
		}
	}
	sp := initialStack(stackTop, &in, "the app's")
	mark(stepStart)
	if showTimes {
		printBootTimes()
	}
	t := firstThread(entry, sp)
	if withService {
		prepareService(in.SysinfoEhdr, serviceLimit)
	}
	threads.Schedule()
	setCurrent(t)
	startFirstThread()
}

// initialStack maps a stack of stackSize ending at top and lays out on it
// what in says (with random bytes and the CPU's features added); it
// returns the stack pointer. whose names the stack in a boot failure.
func initialStack(top uintptr, in *boot.StackInput, whose string) uintptr {
	if memory.Mmap(top-stackSize, stackSize, memory.ProtRead|memory.ProtWrite, memory.MapPrivate|memory.MapAnonymous|memory.MapFixed, 0, 0) < 0 ||
		!memory.CheckUser(top-stackBootPart, stackBootPart, true) {
		klog.Str("boot failed: cannot map ")
		klog.Str(whose)
		klog.Str(" stack; run with a larger --memory\n")
		power.Crash("boot: stack")
	}
	random.Fill(in.Random[:])
	_, _, _, edx := cpu.Cpuid(1, 0)
	in.HWCap = uint64(edx)
	sp := boot.BuildStack(userMemory(top, stackBootPart), top, in)
	if sp == 0 {
		klog.Line("boot failed: the arguments and environment do not fit in 64 KiB")
		power.Crash("boot: arguments too long")
	}
	return sp
}

// firstThread makes a process's first thread, to start at entry with the
// stack pointer sp.
func firstThread(entry, sp uintptr) *threads.Thread {
	t := threads.New()
	if t == nil {
		klog.Line("boot failed: no thread slot")
		power.Crash("boot: threads")
	}
	t.Frame = threads.Frame{RIP: uint64(entry), CS: cpu.KernelCS, SS: cpu.KernelDS, RFLAGS: 0x202, RSP: uint64(sp)}
	t.InitFX()
	return t
}
