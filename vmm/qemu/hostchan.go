package qemu

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// The host's channels into a VM, both on sockets that the VMM creates and
// QEMU inherits (fds 6 and 7, after the guest's output channels): the
// control input of docs/boot-contract.md (a 16550 at COM3, which the kernel
// reads lines such as "signal 15" from), and QMP, through which the VM is
// powered off. Socket pairs instead of listening sockets: no socket file, no
// path length limit, nothing to connect to and no one else can.
const (
	fdControlIn = 6
	fdQMP       = 7

	controlInPort = "0x3e8"
	controlInIRQ  = "5"

	// The app's stdin (spec.Stdin), on a 16550 at COM4 (kernel/consolein).
	stdinPort = "0x2e8"
	stdinIRQ  = "7"
)

// stdinArgs are QEMU's arguments for the app's stdin on inherited fd.
func stdinArgs(fd int) []string {
	return []string{
		"-chardev", fmt.Sprintf("socket,id=stdin,fd=%d,server=off", fd),
		"-device", "isa-serial,chardev=stdin,iobase=" + stdinPort + ",irq=" + stdinIRQ,
	}
}

// Framing of the stdin stream (kernel/consolein): a zero byte is sent as
// escape, escape; the end of the input as escape, endMark.
const (
	stdinEscape  = 0x00
	stdinEndMark = 0x01
	stdinReady   = 0x06 // from the guest, once it can take input
)

// feedStdin copies in to the guest's stdin socket, framed, then marks its
// end. It starts once the guest's kernel has sent its ready byte: the
// UART's setup clears what came before. Flow control is the guest's UART:
// QEMU reads the socket only as fast as the guest takes the bytes, so
// writes here wait. It returns when in ends or the socket is closed.
func feedStdin(in io.Reader, conn net.Conn) {
	var ready [1]byte
	if _, err := io.ReadFull(conn, ready[:]); err != nil || ready[0] != stdinReady {
		return // the VM ended first, or its kernel has no stdin (an older image)
	}
	w := bufio.NewWriterSize(conn, 32<<10)
	buf := make([]byte, 16<<10)
	for {
		n, err := in.Read(buf)
		for _, c := range buf[:n] {
			if c == stdinEscape {
				w.WriteByte(stdinEscape)
			}
			w.WriteByte(c)
		}
		if n > 0 && w.Flush() != nil {
			return
		}
		if err != nil {
			break
		}
	}
	w.Write([]byte{stdinEscape, stdinEndMark})
	w.Flush()
}

// hostChannelArgs are QEMU's arguments for the control input and QMP.
func hostChannelArgs() []string {
	return []string{
		"-chardev", fmt.Sprintf("socket,id=ctlin,fd=%d,server=off", fdControlIn),
		"-device", "isa-serial,chardev=ctlin,iobase=" + controlInPort + ",irq=" + controlInIRQ,
		"-chardev", fmt.Sprintf("socket,id=qmp,fd=%d,server=off", fdQMP),
		"-mon", "chardev=qmp,mode=control",
	}
}

// hostChannels are the VMM's ends of the control input and QMP sockets.
type hostChannels struct {
	controlIn net.Conn
	qmp       *qmpClient
}

// newHostChannels makes the two socket pairs and returns the VMM's ends and
// QEMU's (to be inherited as fds 6 and 7, and closed once QEMU has them).
func newHostChannels() (*hostChannels, []*os.File, error) {
	var ours []net.Conn
	var theirs []*os.File
	fail := func(err error) (*hostChannels, []*os.File, error) {
		for _, c := range ours {
			c.Close()
		}
		closeFiles(theirs)
		return nil, nil, fmt.Errorf("cannot create the VM's control sockets: %w", err)
	}
	for _, name := range []string{"control-input", "qmp"} {
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return fail(err)
		}
		mine := os.NewFile(uintptr(fds[0]), name)
		conn, err := net.FileConn(mine)
		mine.Close()
		theirs = append(theirs, os.NewFile(uintptr(fds[1]), name))
		if err != nil {
			return fail(err)
		}
		ours = append(ours, conn)
	}
	return &hostChannels{controlIn: ours[0], qmp: newQMPClient(ours[1])}, theirs, nil
}

// signal writes "signal N" on the control input.
func (h *hostChannels) signal(sig int) error {
	if sig < 1 || sig > 64 {
		return fmt.Errorf("%d is not a signal number (1 to 64)", sig)
	}
	h.controlIn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(h.controlIn, "signal %d\n", sig); err != nil {
		return fmt.Errorf("cannot send signal %d to the VM: %w", sig, err)
	}
	return nil
}

// quitTimeout is how long QEMU has to acknowledge a QMP quit.
const quitTimeout = time.Second

// quit asks QEMU to power the VM off and exit, through QMP.
func (h *hostChannels) quit() error {
	_, err := h.qmp.execute("quit", quitTimeout)
	return err
}

func (h *hostChannels) close() {
	h.controlIn.Close()
	h.qmp.close()
}
