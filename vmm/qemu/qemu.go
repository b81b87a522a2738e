// Package qemu is the VMM that runs each VM as a qemu-system-x86_64
// process: KVM when the host has it, software emulation (TCG) otherwise,
// with a fallback to TCG when KVM cannot run the guest (fallback.go). It
// registers itself with package vmm as "qemu".
//
// Its options (vmm.Spec.Options):
//
//	machine  microvm (the default: no PCI, boots fastest) or pc
//	accel    auto (the default), kvm or tcg
//	gdb      a Unix socket path where QEMU's gdbstub listens, for a
//	         profiler (package guestprof) or a debugger (target remote PATH)
//	usernet  passt or slirp: the user-mode network's kind (usernet.go);
//	         default $UNIGO_USERNET, else slirp
package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"unigo.dev/unigo/image"
	"unigo.dev/unigo/vmm"
)

func init() { vmm.Register(&QEMU{}) }

// Binary is the QEMU program a QEMU VMM runs by default.
const Binary = "qemu-system-x86_64"

// DefaultStopGrace is how long a stopped QEMU has to quit before it is killed.
const DefaultStopGrace = 2 * time.Second

// QEMU is the VMM that runs each VM as a qemu-system-x86_64 process.
type QEMU struct {
	// Binary is the QEMU program, looked up in PATH if it has no slash;
	// empty means the package's Binary.
	Binary string
	// StopGrace is how long QEMU has between SIGTERM and SIGKILL when the VM
	// is stopped; zero means DefaultStopGrace.
	StopGrace time.Duration
}

var (
	_ vmm.VMM       = (*QEMU)(nil)
	_ vmm.Commander = (*QEMU)(nil)
)

// Name implements vmm.VMM.
func (q *QEMU) Name() string { return "qemu" }

// The options QEMU takes in vmm.Spec.Options.
const (
	OptionMachine = "machine"
	OptionAccel   = "accel"
	OptionGDB     = "gdb"
	// OptionTCGCache bounds TCG's translated-code cache, in MiB (QEMU's
	// tb-size). Smaller saves memory per VM: an idle examples/httpd VM
	// held 18 MiB of it; bounded at 8 MiB it takes 11 MiB less, but the
	// cache is flushed when full and the first request after idling is
	// translated again (67 ms instead of 7 ms, BENCHMARKS.md "Density").
	OptionTCGCache = "tcg-cache"
)

// Machine types the machine option takes.
const (
	MachineMicroVM = "microvm" // QEMU microvm: no PCI, no firmware to speak of; boots fastest
	MachinePC      = "pc"      // QEMU pc (i440FX, SeaBIOS): the classic PC
)

// sandbox is QEMU's -sandbox setting for every VM.
const sandbox = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

// options are a spec's Options, read and checked.
type options struct {
	machine  string // MachineMicroVM or MachinePC
	accel    string // "", "auto", "kvm" or "tcg"
	gdb      string // the gdbstub's socket, or ""
	tcgCache int    // MiB of TCG's code cache; 0: QEMU's default
	usernet  string // "", UserNetPasst or UserNetSlirp
	// passtFD, when not 0, is the fd QEMU reaches passt on: the card is
	// on passt (set by the caller that starts it, from onPasst).
	passtFD int
}

// readOptions checks the spec's options; unknown names are refused, so a
// typo is not silently ignored.
func readOptions(o map[string]string) (options, error) {
	opts := options{machine: MachineMicroVM, usernet: os.Getenv("UNIGO_USERNET")}
	for k, v := range o {
		switch k {
		case OptionMachine:
			if v != "" {
				opts.machine = v
			}
		case OptionAccel:
			opts.accel = v
		case OptionGDB:
			opts.gdb = v
		case OptionUserNet:
			opts.usernet = v
		case OptionTCGCache:
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 4096 {
				return opts, fmt.Errorf("TCG code cache %q: want a size in MiB from 1 to 4096", v)
			}
			opts.tcgCache = n
		default:
			return opts, fmt.Errorf("QEMU has no option %q: it takes %s, %s, %s, %s and %s", k, OptionMachine, OptionAccel, OptionGDB, OptionUserNet, OptionTCGCache)
		}
	}
	if u := opts.usernet; u != "" && u != UserNetPasst && u != UserNetSlirp {
		return opts, fmt.Errorf("unknown user-mode network %q (usernet, $UNIGO_USERNET): use %s or %s", u, UserNetPasst, UserNetSlirp)
	}
	if _, ok := machineOptions[opts.machine]; !ok {
		return opts, fmt.Errorf("unknown machine %q: use %s or %s", opts.machine, MachineMicroVM, MachinePC)
	}
	return opts, nil
}

// Devices of docs/boot-contract.md. The serial ports and the control channel
// are given explicitly (with -nodefaults neither machine creates them), so
// microvm and pc get the same devices at the same ports.
const (
	com1Port    = "0x3f8"
	com1IRQ     = "4"
	com2Port    = "0x2f8"
	com2IRQ     = "3"
	controlPort = "0x5f0"
	exitPort    = "0xf4"
)

// machineOptions are the -machine values. microvm keeps only what the kernel
// uses (PIT for calibration, RTC for the wall clock; the LAPIC is always
// there): no 8259 PIC, no built-in serial port (ours are explicit).
var machineOptions = map[string]string{
	MachineMicroVM: "microvm,pit=on,rtc=on,pic=off,isa-serial=off",
	MachinePC:      "pc",
}

// The guest's three output channels reach QEMU as these inherited file
// descriptors (exec.Cmd.ExtraFiles start at 3).
const (
	fdCOM1    = 3
	fdCOM2    = 4
	fdControl = 5
)

// qemuArgs returns QEMU's arguments for spec (without the program name): the
// machine, the guest's output channels on fds 3 to 5, the image and its
// command line, the disks, the shared directories, the network card. Start
// adds the host's channels into the VM (hostchan.go).
func qemuArgs(spec vmm.Spec, opts options, accel Accel) []string {
	mem := spec.Memory
	if mem <= 0 {
		mem = vmm.DefaultMemory
	}
	a := []string{
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		// QEMU confined by its seccomp filter: no obsolete system calls, no
		// new privileges, no fork or exec, no scheduling or resource
		// changes. A guest that breaks out of the emulator meets it.
		"-sandbox", sandbox,
		"-machine", machineOptions[opts.machine],
		"-accel", accelArg(accel, opts), "-cpu", accel.CPU,
		"-smp", "1", "-m", fmt.Sprintf("%dM", (mem+(1<<20)-1)>>20),
		// The output channels are the pipes QEMU inherits, as fd sets (not
		// /dev/fd/N: that needs /proc, which a confined QEMU has not);
		// append, since QEMU truncates a file opened without it, and a
		// pipe cannot be truncated.
		"-add-fd", fmt.Sprintf("fd=%d,set=%d", fdCOM1, fdCOM1),
		"-add-fd", fmt.Sprintf("fd=%d,set=%d", fdCOM2, fdCOM2),
		"-add-fd", fmt.Sprintf("fd=%d,set=%d", fdControl, fdControl),
		"-chardev", fmt.Sprintf("file,id=com1,path=/dev/fdset/%d,append=on", fdCOM1),
		"-device", "isa-serial,chardev=com1,iobase=" + com1Port + ",irq=" + com1IRQ,
		"-chardev", fmt.Sprintf("file,id=com2,path=/dev/fdset/%d,append=on", fdCOM2),
		"-device", "isa-serial,chardev=com2,iobase=" + com2Port + ",irq=" + com2IRQ,
		"-chardev", fmt.Sprintf("file,id=ctl,path=/dev/fdset/%d,append=on", fdControl),
		"-device", "isa-debugcon,iobase=" + controlPort + ",chardev=ctl",
		"-device", "isa-debug-exit,iobase=" + exitPort + ",iosize=4",
		"-kernel", spec.Image,
		"-append", spec.KernelCmdline(),
	}
	disks, _ := spec.AllDisks() // Check has read the image; a placeholder (CommandLine) has no root disk
	if opts.machine == MachineMicroVM && (len(disks) > 0 || len(spec.Shares) > 0 || spec.Net != nil) {
		// The kernel drives virtio 1.x only; QEMU's virtio-mmio defaults
		// to the legacy interface. Once for every virtio device.
		a = append(a, "-global", "virtio-mmio.force-legacy=false")
	}
	if opts.gdb != "" {
		a = append(a, "-gdb", "unix:"+opts.gdb+",server=on,wait=off")
	}
	a = append(a, diskArgs(opts.machine, disks)...)
	a = append(a, shareArgs(opts.machine, spec.Shares)...)
	a = append(a, netArgs(opts.machine, spec.Net, opts.passtFD)...)
	if spec.Initrd != "" {
		a = append(a, "-initrd", spec.Initrd)
	}
	return a
}

// check reads the options and checks the spec, as Start and Command do.
func check(spec vmm.Spec) (options, error) {
	opts, err := readOptions(spec.Options)
	if err != nil {
		return opts, err
	}
	return opts, spec.Check()
}

// CommandLine is the command Command runs for spec, for people (reports,
// notes): the files it names are not checked, so a placeholder path may
// stand for one made later.
func (q *QEMU) CommandLine(spec vmm.Spec) ([]string, error) {
	opts, err := readOptions(spec.Options)
	if err != nil {
		return nil, err
	}
	accel, err := ChooseAccel(opts.accel)
	if err != nil {
		return nil, err
	}
	bin := q.Binary
	if bin == "" {
		bin = Binary
	}
	if opts.onPasst(spec.Net) {
		opts.passtFD = fdNetCommand
	}
	return append([]string{bin}, qemuArgs(spec, opts, accel)...), nil
}

// Command implements vmm.Commander: QEMU for spec, not started, the
// guest's channels on out's files, with the accelerator chosen as Start
// chooses it (without the fallback: the caller runs the process itself).
// A card on passt has passt started now, on cmd.ExtraFiles' last file:
// close the command's ExtraFiles once it has started (QEMU has its
// copies), so that passt ends with QEMU; it also ends when ctx is done.
func (q *QEMU) Command(ctx context.Context, spec vmm.Spec, out vmm.Outputs) (*exec.Cmd, error) {
	opts, err := check(spec)
	if err != nil {
		return nil, err
	}
	bin, err := q.lookPath()
	if err != nil {
		return nil, err
	}
	accel, err := ChooseAccel(opts.accel)
	if err != nil {
		return nil, err
	}
	files := []*os.File{out.COM1, out.COM2, out.Control} // fdCOM1, fdCOM2, fdControl
	if opts.onPasst(spec.Net) {
		var verbose func(string, ...any)
		if spec.Verbose != nil {
			verbose = func(f string, a ...any) { fmt.Fprintf(spec.Verbose, f, a...) }
		}
		_, end, err := startPasst(ctx, spec.Net, verbose)
		if err != nil {
			return nil, err
		}
		opts.passtFD = fdNetCommand
		files = append(files, end)
	}
	cmd := exec.CommandContext(ctx, bin, qemuArgs(spec, opts, accel)...)
	cmd.ExtraFiles = files
	return cmd, nil
}

// Start implements VMM: it checks the image, picks the accelerator, and
// starts QEMU with the guest's output channels on pipes. A VM on KVM chosen
// automatically runs again on TCG if KVM cannot run it (fallback.go).
func (q *QEMU) Start(ctx context.Context, spec vmm.Spec) (vmm.VM, error) {
	opts, err := check(spec)
	if err != nil {
		return nil, err
	}
	bin, err := q.lookPath()
	if err != nil {
		return nil, err
	}
	accel, mayFallBack, err := chooseAccel(opts.accel, bin)
	if err != nil {
		return nil, err
	}
	vm, err := q.start(ctx, spec, opts, bin, accel)
	if err != nil {
		return nil, err
	}
	if mayFallBack {
		return &fallbackVM{q: q, ctx: ctx, spec: spec, opts: opts, bin: bin, cur: vm}, nil
	}
	return vm, nil
}

// start starts QEMU (bin) for a checked spec, with accel.
func (q *QEMU) start(ctx context.Context, spec vmm.Spec, opts options, bin string, accel Accel) (*qemuVM, error) {
	passt := opts.onPasst(spec.Net)
	if passt {
		opts.passtFD = fdNetStart
	}
	args := append(qemuArgs(spec, opts, accel), hostChannelArgs()...)
	stdinFD := 0
	if spec.Stdin != nil {
		stdinFD = fdNetStart // the next fd after passt's, when there is one
		if passt {
			stdinFD++
		}
		args = append(args, stdinArgs(stdinFD)...)
	}
	var restore *os.File
	if spec.Restore != "" {
		var err error
		if restore, err = openCheckpoint(spec.Restore, bin, accel); err != nil {
			return nil, err
		}
		defer restore.Close() // QEMU has its copy once started
		fd := fdNetStart      // after passt's and stdin's, when there are
		if passt {
			fd++
		}
		if stdinFD != 0 {
			fd++
		}
		args = append(args, incomingArgs(fd)...)
	}
	var verbose func(string, ...any)
	if spec.Verbose != nil {
		// Written from several goroutines: QEMU's output, the control reader.
		spec.Verbose = &syncWriter{w: spec.Verbose}
		verbose = func(f string, a ...any) { fmt.Fprintf(spec.Verbose, f, a...) }
		fmt.Fprintf(spec.Verbose, "accelerator: %s (%s)\n", accel.Name, accel.Why)
		fmt.Fprintf(spec.Verbose, "qemu: %s\n", shellQuote(append([]string{bin}, args...)))
	}

	var sym vmm.Symbolizer
	if spec.Kind == vmm.KindUnigo { // a Linux kernel reports its crashes itself
		sym = image.NewLazySymbolizer(spec.Image)
	}

	vm := &qemuVM{accel: accel, bin: bin, sym: sym, stderr: vmm.NewAnnotator(orDiscard(spec.Stderr), sym)}
	ctx, vm.cancel = context.WithCancel(ctx)
	vm.ctx = ctx

	// The host's channels into the VM: the control input and QMP.
	host, hostEnds, err := newHostChannels()
	if err != nil {
		vm.cancel()
		return nil, err
	}
	vm.host = host
	// The guest's three channels: COM1 and COM2 are copied to the writers as
	// they come, the control channel is parsed.
	writeEnds, err := vm.channels(orDiscard(spec.Stdout), vm.stderr, func(r io.Reader) {
		vm.event, vm.haveEvent = vmm.ReadControl(r, spec.Verbose, spec.Listens)
	})
	if err != nil {
		host.close()
		closeFiles(hostEnds)
		vm.cancel()
		return nil, err
	}
	writeEnds = append(writeEnds, hostEnds...)
	if passt {
		// The guest's network and the published ports: passt, holding
		// the ports before QEMU starts.
		p, end, err := startPasst(ctx, spec.Net, verbose)
		if err != nil {
			host.close()
			closeFiles(writeEnds)
			vm.copies.Wait()
			vm.cancel()
			return nil, err
		}
		vm.passt = p
		writeEnds = append(writeEnds, end)
	}
	if stdinFD != 0 {
		// The app's stdin: a socket pair, QEMU's end at stdinFD, ours fed
		// from spec.Stdin until it ends, closed when the VM ends.
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		var conn net.Conn
		if err == nil {
			mine := os.NewFile(uintptr(fds[0]), "stdin")
			conn, err = net.FileConn(mine)
			mine.Close()
			writeEnds = append(writeEnds, os.NewFile(uintptr(fds[1]), "stdin"))
		}
		if err != nil {
			host.close()
			closeFiles(writeEnds)
			vm.copies.Wait()
			vm.cancel()
			return nil, fmt.Errorf("cannot create the VM's stdin socket: %w", err)
		}
		go feedStdin(spec.Stdin, conn)
		go func() {
			<-ctx.Done()
			conn.Close()
		}()
	}

	cmd := exec.CommandContext(ctx, bin, args...)
	if len(spec.Confine) > 0 {
		cmd = exec.CommandContext(ctx, spec.Confine[0], append(append(spec.Confine[1:len(spec.Confine):len(spec.Confine)], bin), args...)...)
	}
	cmd.ExtraFiles = writeEnds // fds 3 to 7: COM1, COM2, control, control input, QMP; then passt, then stdin, then the checkpoint
	if restore != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, restore)
	}
	vm.qemuOut.onFault = vm.fail
	cmd.Stdout = &vm.qemuOut
	if spec.Verbose != nil {
		cmd.Stdout = io.MultiWriter(&vm.qemuOut, spec.Verbose)
	}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // Ctrl-C in a terminal reaches unigo only; unigo stops QEMU
		Pdeathsig: syscall.SIGKILL, // no orphaned VMs if unigo dies
	}
	if len(spec.Confine) > 0 {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS
	}
	// Stopping: QMP quit, or SIGTERM if QMP does not answer (QEMU shuts down
	// cleanly either way), SIGKILL after the grace.
	cmd.Cancel = func() error {
		if host.quit() == nil {
			return nil
		}
		return cmd.Process.Signal(syscall.SIGTERM)
	}
	cmd.WaitDelay = q.StopGrace
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = DefaultStopGrace
	}
	vm.cmd = cmd

	err = cmd.Start()
	closeFiles(writeEnds) // QEMU has its copies; EOF on the pipes now means QEMU is gone
	if err != nil {
		vm.copies.Wait()
		host.close()
		vm.cancel()
		if vm.passt != nil {
			vm.passt.wait(time.Second)
		}
		return nil, fmt.Errorf("cannot start %s: %w", bin, err)
	}
	if restore != nil {
		go vm.awaitRestore(time.Minute)
	}
	return vm, nil
}

// channels makes a pipe per guest output channel (COM1, COM2, control),
// starts a goroutine draining each read end, and returns the write ends for
// QEMU, in that order.
func (vm *qemuVM) channels(com1, com2 io.Writer, control func(io.Reader)) ([]*os.File, error) {
	var writeEnds []*os.File
	for _, drain := range []func(io.Reader){
		func(r io.Reader) { io.Copy(com1, r) },
		func(r io.Reader) { io.Copy(com2, r) },
		control,
	} {
		r, w, err := os.Pipe()
		if err != nil {
			closeFiles(writeEnds)
			vm.copies.Wait()
			return nil, fmt.Errorf("cannot create a pipe for the VM's output: %w", err)
		}
		writeEnds = append(writeEnds, w)
		vm.copies.Add(1)
		go func() {
			defer vm.copies.Done()
			defer r.Close()
			drain(wroteReader{r, &vm.guestWrote})
		}()
	}
	return writeEnds, nil
}

func closeFiles(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

func (q *QEMU) lookPath() (string, error) {
	bin := q.Binary
	if bin == "" {
		bin = Binary
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%s not found in PATH: install QEMU with 'apt-get install qemu-system-x86' (or your system's package for it)", bin)
	}
	return path, nil
}

// qemuVM is one running QEMU process.
type qemuVM struct {
	accel  Accel
	bin    string // the QEMU program
	cmd    *exec.Cmd
	ctx    context.Context
	cancel context.CancelFunc
	stderr *vmm.Annotator
	sym    vmm.Symbolizer

	copies    sync.WaitGroup // the goroutines draining COM1, COM2 and the control channel
	event     vmm.Exit       // set by the control reader before copies is done
	haveEvent bool
	qemuOut   qemuLog // QEMU's own stdout and stderr
	host      *hostChannels
	passt     *passtProc // the user-mode network on passt, or nil

	failed     atomic.Bool // the VM was stopped because the hypervisor gave up on it
	guestWrote atomic.Bool // the guest wrote to COM1, COM2 or the control channel

	waitOnce sync.Once
	exit     vmm.Exit
	err      error
}

// Stop implements vmm.VM.
func (vm *qemuVM) Stop() { vm.cancel() }

// Signal implements vmm.VM.
func (vm *qemuVM) Signal(sig int) error { return vm.host.signal(sig) }

// Pid implements vmm.VM.
func (vm *qemuVM) Pid() int { return vm.cmd.Process.Pid }

// fail stops a VM that the hypervisor cannot run any further.
func (vm *qemuVM) fail() {
	vm.failed.Store(true)
	vm.cancel()
}

// Wait implements vmm.VM.
func (vm *qemuVM) Wait() (vmm.Exit, error) {
	vm.waitOnce.Do(func() {
		waitErr := vm.cmd.Wait()
		if vm.passt != nil {
			// It ends as QEMU's end of their socket closes; gone before
			// Wait returns, so that its ports are free again.
			vm.passt.wait(DefaultStopGrace)
		}
		vm.host.close()
		vm.copies.Wait()
		vm.stderr.Close()
		stopped := vm.ctx.Err() != nil
		vm.cancel()
		vm.exit, vm.err = vm.result(waitErr, stopped)
	})
	return vm.exit, vm.err
}

// result decides how the VM ended. The guest's own word (the control
// channel) wins; without it, a stop from the host, QEMU's failure, or a VM
// that reset or powered off silently.
func (vm *qemuVM) result(waitErr error, stopped bool) (vmm.Exit, error) {
	if vm.haveEvent {
		return vm.event, nil
	}
	if vm.failed.Load() {
		detail, _ := vm.qemuOut.fault(vm.sym)
		return vmm.Exit{Reason: vmm.VMFailed, Detail: detail}, nil
	}
	if stopped {
		return vmm.Exit{Reason: vmm.Stopped}, nil
	}
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return vmm.Exit{}, fmt.Errorf("waiting for QEMU: %w", waitErr)
	}
	out := strings.TrimSpace(vm.qemuOut.String())
	if ee != nil {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return vmm.Exit{}, fmt.Errorf("QEMU was killed by signal %d (%v)%s: check the host's memory and logs", int(ws.Signal()), ws.Signal(), colonMsg(out))
		}
		// isa-debug-exit makes QEMU exit with (value<<1)|1, so a non-zero
		// status alone is not a failure; QEMU's own error message is.
		if out != "" {
			hint := "check the QEMU installation"
			if vm.accel.Name == "kvm" {
				hint = "if KVM does not work on this host, use --accel tcg"
			}
			return vmm.Exit{}, fmt.Errorf("QEMU failed (%v): %s: %s", ee, firstLines(out, 5), hint)
		}
	}
	return vmm.Exit{Reason: vmm.Reset}, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func colonMsg(s string) string {
	if s == "" {
		return ""
	}
	return ": " + firstLines(s, 3)
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "; ")
}

// shellQuote renders a command line that can be pasted into a shell.
func shellQuote(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
			b.WriteString(a)
			continue
		}
		b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
	}
	return b.String()
}

// syncWriter serializes writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
