package qemu

import (
	"fmt"
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
)

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
