package guestprof

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// gdbConn speaks the GDB remote serial protocol to QEMU's gdbstub: just
// what sampling needs (stop, read registers and memory, continue), with
// acknowledgements switched off after the handshake.
type gdbConn struct {
	w     io.Writer
	r     *bufio.Reader
	noAck bool
}

func newGDBConn(rw io.ReadWriter) *gdbConn {
	return &gdbConn{w: rw, r: bufio.NewReader(rw)}
}

// send writes one packet: $data#checksum.
func (c *gdbConn) send(data string) error {
	var sum byte
	for i := 0; i < len(data); i++ {
		sum += data[i]
	}
	_, err := fmt.Fprintf(c.w, "$%s#%02x", data, sum)
	return err
}

// interrupt asks the running VM to stop (the stop reply follows).
func (c *gdbConn) interrupt() error {
	_, err := c.w.Write([]byte{0x03})
	return err
}

// recv reads the next packet's data, skipping acknowledgements, and
// acknowledges it while acks are on.
func (c *gdbConn) recv() (string, error) {
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return "", err
		}
		if b != '$' {
			continue // '+', '-' or noise between packets
		}
		data, err := c.r.ReadString('#')
		if err != nil {
			return "", err
		}
		if _, err := io.ReadFull(c.r, make([]byte, 2)); err != nil { // the checksum: TCP and Unix sockets do not corrupt
			return "", err
		}
		if !c.noAck {
			if _, err := c.w.Write([]byte{'+'}); err != nil {
				return "", err
			}
		}
		return strings.TrimSuffix(data, "#"), nil
	}
}

// isStop reports whether a packet is a stop reply (the VM stopped, or
// exited: W/X).
func isStop(p string) bool {
	return p != "" && strings.ContainsRune("TSWX", rune(p[0]))
}

// isExit reports whether a stop reply says the VM exited.
func isExit(p string) bool { return p != "" && (p[0] == 'W' || p[0] == 'X') }

// call sends a command and returns its reply, skipping stop replies that
// arrive late (an interrupt racing with a stop of the VM's own).
func (c *gdbConn) call(cmd string) (string, error) {
	if err := c.send(cmd); err != nil {
		return "", err
	}
	for {
		p, err := c.recv()
		if err != nil {
			return "", err
		}
		if isExit(p) {
			return "", errExited
		}
		if !isStop(p) {
			return p, nil
		}
	}
}

var errExited = errors.New("the VM exited")

// waitStop reads until the stop reply of an interrupt.
func (c *gdbConn) waitStop() error {
	for {
		p, err := c.recv()
		if err != nil {
			return err
		}
		if isExit(p) {
			return errExited
		}
		if isStop(p) {
			return nil
		}
	}
}

// handshake makes the connection ready: features, no acks, and the stop
// reply QEMU owes a new connection (it stops the VM on attach).
func (c *gdbConn) handshake() error {
	if _, err := c.call("qSupported:no-resumed+"); err != nil {
		return err
	}
	if p, err := c.call("QStartNoAckMode"); err == nil && p == "OK" {
		c.noAck = true
	}
	if err := c.send("?"); err != nil {
		return err
	}
	return c.waitStop()
}

// registers reads the general registers of the stopped CPU: x86-64's
// first 17 in the 'g' reply are RAX..R15 and RIP, 8 bytes each, little endian.
func (c *gdbConn) registers() (regs [17]uint64, err error) {
	p, err := c.call("g")
	if err != nil {
		return regs, err
	}
	b, err := hex.DecodeString(p[:min(len(p), 17*16)])
	if err != nil || len(b) < 17*8 {
		return regs, fmt.Errorf("gdbstub: bad register reply %.40q", p)
	}
	for i := range regs {
		regs[i] = le64(b[8*i:])
	}
	return regs, nil
}

// memory reads n bytes of guest virtual memory; ok is false where it is
// not mapped.
func (c *gdbConn) memory(addr uint64, n int) ([]byte, bool, error) {
	p, err := c.call(fmt.Sprintf("m%x,%x", addr, n))
	if err != nil {
		return nil, false, err
	}
	if strings.HasPrefix(p, "E") {
		return nil, false, nil
	}
	b, err := hex.DecodeString(p)
	if err != nil || len(b) != n {
		return nil, false, nil
	}
	return b, true, nil
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
