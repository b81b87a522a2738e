package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"unigo.dev/unigo/vmm"
)

// bootSpec is what one subject hands QEMU: the kernel, an optional
// initramfs and command line, and the console line that says the app ran.
type bootSpec struct {
	Kernel  string
	Initrd  string
	Cmdline vmm.Cmdline
	Line    string // the app's first output line, watched for on the consoles
}

// machine is the part of the QEMU command line every subject shares. It is
// vmm.QEMU's own command line (what `unigo run` runs), so the subjects
// differ only in what they boot: the same QEMU binary, machine type,
// accelerator, CPU model, CPU count and devices (docs/boot-contract.md:
// COM1, COM2, the isa-debugcon control channel, isa-debug-exit). The
// Linux baseline adds -initrd and uses only COM1 (ttyS0); the other devices
// are present and idle for it, as they are for the floor guest.
type machine struct {
	QEMU  string // qemu-system-x86_64 binary
	Type  string // vmm.MachineMicroVM or vmm.MachinePC
	Accel vmm.Accel
}

// QEMU's output channels, as vmm.QEMU.Args expects them: inherited file
// descriptors 3, 4 and 5 (exec.Cmd.ExtraFiles).
var channelFDs = []string{"/dev/fd/3", "/dev/fd/4", "/dev/fd/5"} // COM1, COM2, control

// args returns QEMU's arguments to boot spec with memMiB of memory.
func (m machine) args(spec bootSpec, memMiB int) []string {
	q := &vmm.QEMU{Binary: m.QEMU}
	a := q.Args(vmm.Spec{
		Image:   spec.Kernel,
		Memory:  int64(memMiB) << 20,
		Machine: m.Type,
		Cmdline: spec.Cmdline,
	}, m.Accel)
	if spec.Initrd != "" {
		a = append(a, "-initrd", spec.Initrd)
	}
	return a
}

// check verifies that vmm's command line still takes the guest's output
// channels on the file descriptors this package passes.
func (m machine) check() error {
	var fds []string
	for _, a := range m.args(bootSpec{Kernel: "x"}, 64) {
		if i := strings.Index(a, "path=/dev/fd/"); i >= 0 {
			fds = append(fds, strings.SplitN(a[i+len("path="):], ",", 2)[0])
		}
	}
	if !slices.Equal(fds, channelFDs) {
		return fmt.Errorf("vmm.QEMU.Args takes the guest's output on %v, the benchmark passes %v: update bench/qemu.go", fds, channelFDs)
	}
	return nil
}

// commandLine renders the full command for people (results.json, notes).
func (m machine) commandLine(spec bootSpec, memMiB int) []string {
	return append([]string{m.QEMU}, m.args(spec, memMiB)...)
}

// vm is one running QEMU whose consoles are being watched.
type vm struct {
	cmd     *exec.Cmd
	started time.Time

	lineSeen chan struct{} // closed when the app's line appeared
	exited   chan struct{} // closed when QEMU exited

	mu      sync.Mutex
	lineAt  time.Time
	exitAt  time.Time
	waitErr error
	tail    tailBuffer   // last console output, for error messages
	stderr  bytes.Buffer // QEMU's own stdout and stderr
	control []string     // lines QEMU's guest wrote to the control channel
	readers sync.WaitGroup
}

// start launches QEMU on spec. The clock starts right before the process
// is created.
func (m machine) start(ctx context.Context, spec bootSpec, memMiB int) (*vm, error) {
	v := &vm{lineSeen: make(chan struct{}), exited: make(chan struct{})}
	v.tail.max = 4096
	var closeAfterStart []*os.File
	pipe := func() (*os.File, *os.File, error) {
		r, w, err := os.Pipe()
		if err == nil {
			closeAfterStart = append(closeAfterStart, w)
		}
		return r, w, err
	}
	com1R, com1W, err := pipe()
	if err != nil {
		return nil, err
	}
	com2R, com2W, err := pipe()
	if err != nil {
		return nil, err
	}
	ctlR, ctlW, err := pipe()
	if err != nil {
		return nil, err
	}
	v.cmd = exec.CommandContext(ctx, m.QEMU, m.args(spec, memMiB)...)
	qemuOut := &lockedWriter{mu: &v.mu, w: &v.stderr}
	v.cmd.Stdout, v.cmd.Stderr = qemuOut, qemuOut
	v.cmd.ExtraFiles = []*os.File{com1W, com2W, ctlW}                    // channelFDs
	v.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // no VM outlives the benchmark

	v.readers.Add(3)
	go v.watch(com1R, spec.Line)
	go v.watch(com2R, spec.Line)
	go v.readControl(ctlR)

	v.started = time.Now()
	err = v.cmd.Start()
	for _, f := range closeAfterStart {
		f.Close()
	}
	if err != nil {
		com1R.Close()
		com2R.Close()
		ctlR.Close()
		return nil, fmt.Errorf("starting %s: %w", m.QEMU, err)
	}
	go func() {
		err := v.cmd.Wait()
		now := time.Now()
		v.mu.Lock()
		v.exitAt, v.waitErr = now, err
		v.mu.Unlock()
		close(v.exited)
	}()
	return v, nil
}

// watch reads one console, keeps its tail, and records when line appears.
func (v *vm) watch(r io.ReadCloser, line string) {
	defer v.readers.Done()
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		s, err := br.ReadString('\n')
		if len(s) > 0 {
			now := time.Now()
			v.mu.Lock()
			v.tail.Write([]byte(s))
			got := strings.HasSuffix(s, "\n") && matchesLine(s, line)
			first := got && v.lineAt.IsZero()
			if first {
				v.lineAt = now
			}
			v.mu.Unlock()
			if first {
				close(v.lineSeen)
			}
		}
		if err != nil {
			return
		}
	}
}

// matchesLine reports whether a console line is the app's line. A serial
// console ends lines with CR LF; a kernel message written at the same time
// may precede the app's text on the same line.
func matchesLine(s, line string) bool {
	s = strings.TrimRight(s, "\r\n \t")
	return line != "" && strings.HasSuffix(s, line)
}

func (v *vm) readControl(r io.ReadCloser) {
	defer v.readers.Done()
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		v.mu.Lock()
		v.control = append(v.control, sc.Text())
		v.mu.Unlock()
	}
}

var errTimeout = errors.New("timed out")

// waitLine waits for the app's line and returns the time from launch.
func (v *vm) waitLine(timeout time.Duration) (time.Duration, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-v.lineSeen:
		v.mu.Lock()
		defer v.mu.Unlock()
		return v.lineAt.Sub(v.started), nil
	case <-v.exited:
		// The line may have been read just before the exit was noticed.
		v.readers.Wait()
		v.mu.Lock()
		defer v.mu.Unlock()
		if !v.lineAt.IsZero() {
			return v.lineAt.Sub(v.started), nil
		}
		return 0, fmt.Errorf("QEMU exited (%s) before the app's line appeared%s", exitDesc(v.waitErr), v.diagLocked())
	case <-t.C:
		v.mu.Lock()
		defer v.mu.Unlock()
		return 0, fmt.Errorf("%w after %v waiting for the app's line%s", errTimeout, timeout, v.diagLocked())
	}
}

// waitExit waits for QEMU to exit and returns the time from launch.
func (v *vm) waitExit(timeout time.Duration) (time.Duration, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-v.exited:
		v.readers.Wait()
		v.mu.Lock()
		defer v.mu.Unlock()
		return v.exitAt.Sub(v.started), nil
	case <-t.C:
		v.mu.Lock()
		defer v.mu.Unlock()
		return 0, fmt.Errorf("%w after %v waiting for QEMU to exit%s", errTimeout, timeout, v.diagLocked())
	}
}

// kill ends QEMU if it still runs and waits for it.
func (v *vm) kill() {
	select {
	case <-v.exited:
	default:
		_ = v.cmd.Process.Kill()
		<-v.exited
	}
	v.readers.Wait()
}

func (v *vm) pid() int { return v.cmd.Process.Pid }

// controlLines returns what the guest wrote on the control channel.
func (v *vm) controlLines() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.control...)
}

// diagLocked formats what QEMU and the guest last said, for an error.
// Preconditions: v.mu is held.
func (v *vm) diagLocked() string {
	var b strings.Builder
	if s := strings.TrimSpace(v.stderr.String()); s != "" {
		fmt.Fprintf(&b, "; QEMU said: %s", lastLines(s, 3))
	}
	if s := strings.TrimSpace(v.tail.String()); s != "" {
		fmt.Fprintf(&b, "; console ended with: %q", lastLines(s, 3))
	} else {
		b.WriteString("; the consoles stayed silent")
	}
	return b.String()
}

func exitDesc(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r", ""), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
