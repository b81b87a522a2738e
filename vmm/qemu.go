package vmm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"unigo.dev/unigo/image"
)

// QEMUBinary is the QEMU program a QEMU VMM runs by default.
const QEMUBinary = "qemu-system-x86_64"

// DefaultStopGrace is how long a stopped QEMU has to quit before it is killed.
const DefaultStopGrace = 2 * time.Second

// QEMU is the VMM that runs each VM as a qemu-system-x86_64 process.
type QEMU struct {
	// Binary is the QEMU program, looked up in PATH if it has no slash;
	// empty means QEMUBinary.
	Binary string
	// StopGrace is how long QEMU has between SIGTERM and SIGKILL when the VM
	// is stopped; zero means DefaultStopGrace.
	StopGrace time.Duration
}

var _ VMM = (*QEMU)(nil)

// Name implements VMM.
func (q *QEMU) Name() string { return "qemu" }

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

// Args returns QEMU's arguments for spec (without the program name): the
// machine, the guest's output channels on fds 3 to 5, the image and its
// command line, the disks, the network card. Start adds the host's
// channels into the VM (hostchan.go).
func (q *QEMU) Args(spec Spec, accel Accel) []string {
	mem := spec.Memory
	if mem <= 0 {
		mem = DefaultMemory
	}
	machine := spec.Machine
	if machine == "" {
		machine = MachineMicroVM
	}
	args := []string{
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-machine", machineOptions[machine],
		"-accel", accel.Name, "-cpu", accel.CPU,
		"-smp", "1", "-m", fmt.Sprintf("%dM", (mem+(1<<20)-1)>>20),
		"-chardev", fmt.Sprintf("file,id=com1,path=/dev/fd/%d", fdCOM1),
		"-device", "isa-serial,chardev=com1,iobase=" + com1Port + ",irq=" + com1IRQ,
		"-chardev", fmt.Sprintf("file,id=com2,path=/dev/fd/%d", fdCOM2),
		"-device", "isa-serial,chardev=com2,iobase=" + com2Port + ",irq=" + com2IRQ,
		"-chardev", fmt.Sprintf("file,id=ctl,path=/dev/fd/%d", fdControl),
		"-device", "isa-debugcon,iobase=" + controlPort + ",chardev=ctl",
		"-device", "isa-debug-exit,iobase=" + exitPort + ",iosize=4",
		"-kernel", spec.Image,
		"-append", kernelCmdline(spec.Cmdline, spec.Disks, spec.Net),
	}
	if machine == MachineMicroVM && (len(spec.Disks) > 0 || spec.Net != nil) {
		// The kernel drives virtio 1.x only; QEMU's virtio-mmio defaults
		// to the legacy interface. Once for every virtio device.
		args = append(args, "-global", "virtio-mmio.force-legacy=false")
	}
	if spec.GDBSocket != "" {
		args = append(args, "-gdb", "unix:"+spec.GDBSocket+",server=on,wait=off")
	}
	args = append(args, diskArgs(machine, spec.Disks)...)
	return append(args, netArgs(machine, spec.Net)...)
}

// kernelCmdline is the app's command line plus what the host knows that
// saves the kernel work at boot: the TSC rate (see HostTSCHz); and the
// disks' mounts and the network card's configuration.
func kernelCmdline(c Cmdline, disks []Disk, n *NetSpec) string {
	c.Tokens = append(mountTokens(disks), c.Tokens...)
	if n != nil {
		c.Tokens = append(n.Guest.tokens(), c.Tokens...)
	}
	s := c.String()
	if hz := HostTSCHz(); hz != 0 && !strings.Contains(" "+s, " tsc_hz=") {
		s += fmt.Sprintf(" tsc_hz=%d", hz)
	}
	return strings.TrimSpace(s)
}

// Start implements VMM: it checks the image, picks the accelerator, and
// starts QEMU with the guest's output channels on pipes. A VM on KVM chosen
// automatically runs again on TCG if KVM cannot run it (fallback.go).
func (q *QEMU) Start(ctx context.Context, spec Spec) (VM, error) {
	if spec.Machine == "" {
		spec.Machine = MachineMicroVM
	}
	if _, ok := machineOptions[spec.Machine]; !ok {
		return nil, fmt.Errorf("unknown machine %q: use %s or %s", spec.Machine, MachineMicroVM, MachinePC)
	}
	if err := spec.Cmdline.Validate(); err != nil {
		return nil, err
	}
	if err := checkDisks(spec.Disks); err != nil {
		return nil, err
	}
	if err := checkNet(spec.Net); err != nil {
		return nil, err
	}
	if _, err := image.Open(spec.Image); err != nil {
		return nil, err
	}
	bin, err := q.lookPath()
	if err != nil {
		return nil, err
	}
	accel, mayFallBack, err := chooseAccel(spec.Accel, bin)
	if err != nil {
		return nil, err
	}
	vm, err := q.start(ctx, spec, bin, accel)
	if err != nil {
		return nil, err
	}
	if mayFallBack {
		return &fallbackVM{q: q, ctx: ctx, spec: spec, bin: bin, cur: vm}, nil
	}
	return vm, nil
}

// start starts QEMU (bin) for a checked spec, with accel.
func (q *QEMU) start(ctx context.Context, spec Spec, bin string, accel Accel) (*qemuVM, error) {
	args := append(q.Args(spec, accel), hostChannelArgs()...)
	if spec.Verbose != nil {
		// Written from several goroutines: QEMU's output, the control reader.
		spec.Verbose = &syncWriter{w: spec.Verbose}
		fmt.Fprintf(spec.Verbose, "accelerator: %s (%s)\n", accel.Name, accel.Why)
		fmt.Fprintf(spec.Verbose, "qemu: %s\n", shellQuote(append([]string{bin}, args...)))
	}

	var sym symbolizer
	if s, err := image.NewSymbolizer(spec.Image); err == nil {
		sym = s
	} else if spec.Verbose != nil {
		fmt.Fprintf(spec.Verbose, "crash reports will not be symbolized: %v\n", err)
	}

	vm := &qemuVM{accel: accel, sym: sym, stderr: newAnnotator(orDiscard(spec.Stderr), sym)}
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
		vm.event, vm.haveEvent = readControl(r, spec.Verbose)
	})
	if err != nil {
		host.close()
		closeFiles(hostEnds)
		vm.cancel()
		return nil, err
	}
	writeEnds = append(writeEnds, hostEnds...)

	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.ExtraFiles = writeEnds // fds 3 to 7: COM1, COM2, control, control input, QMP
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
		return nil, fmt.Errorf("cannot start %s: %w", bin, err)
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
		bin = QEMUBinary
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
	cmd    *exec.Cmd
	ctx    context.Context
	cancel context.CancelFunc
	stderr *annotator
	sym    symbolizer

	copies    sync.WaitGroup // the goroutines draining COM1, COM2 and the control channel
	event     Exit           // set by the control reader before copies is done
	haveEvent bool
	qemuOut   qemuLog // QEMU's own stdout and stderr
	host      *hostChannels

	failed     atomic.Bool // the VM was stopped because the hypervisor gave up on it
	guestWrote atomic.Bool // the guest wrote to COM1, COM2 or the control channel

	waitOnce sync.Once
	exit     Exit
	err      error
}

// Stop implements VM.
func (vm *qemuVM) Stop() { vm.cancel() }

// Signal implements VM.
func (vm *qemuVM) Signal(sig int) error { return vm.host.signal(sig) }

// Pid implements VM.
func (vm *qemuVM) Pid() int { return vm.cmd.Process.Pid }

// fail stops a VM that the hypervisor cannot run any further.
func (vm *qemuVM) fail() {
	vm.failed.Store(true)
	vm.cancel()
}

// Wait implements VM.
func (vm *qemuVM) Wait() (Exit, error) {
	vm.waitOnce.Do(func() {
		waitErr := vm.cmd.Wait()
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
func (vm *qemuVM) result(waitErr error, stopped bool) (Exit, error) {
	if vm.haveEvent {
		return vm.event, nil
	}
	if vm.failed.Load() {
		detail, _ := vm.qemuOut.fault(vm.sym)
		return Exit{Reason: VMFailed, Detail: detail}, nil
	}
	if stopped {
		return Exit{Reason: Stopped}, nil
	}
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return Exit{}, fmt.Errorf("waiting for QEMU: %w", waitErr)
	}
	out := strings.TrimSpace(vm.qemuOut.String())
	if ee != nil {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return Exit{}, fmt.Errorf("QEMU was killed by signal %d (%v)%s: check the host's memory and logs", int(ws.Signal()), ws.Signal(), colonMsg(out))
		}
		// isa-debug-exit makes QEMU exit with (value<<1)|1, so a non-zero
		// status alone is not a failure; QEMU's own error message is.
		if out != "" {
			hint := "check the QEMU installation"
			if vm.accel.Name == "kvm" {
				hint = "if KVM does not work on this host, use --accel tcg"
			}
			return Exit{}, fmt.Errorf("QEMU failed (%v): %s: %s", ee, firstLines(out, 5), hint)
		}
	}
	return Exit{Reason: Reset}, nil
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
