// Package guestprof profiles a running unigo VM's CPU from the host: it
// stops the VM through QEMU's gdbstub many times a second, reads the
// instruction pointer and walks the frame-pointer chain (Go keeps frame
// pointers on amd64), and writes what it saw as a pprof CPU profile
// symbolized from the image's DWARF. The app needs no profiling code, and
// kernel and app are seen in one profile: a unikernel is one program.
package guestprof

import (
	"context"
	"errors"
	"io"
	"net"
	"time"
)

// Stack is one sample: the instruction pointer, then the return
// addresses of the frames above it, innermost first.
type Stack []uint64

// maxDepth bounds a stack walk.
const maxDepth = 64

// Sample stops the VM behind conn every interval, records its stack, and
// lets it run again, until ctx ends or the VM exits. It returns what it
// recorded; an error only when it could record nothing.
func Sample(ctx context.Context, conn io.ReadWriter, interval time.Duration) ([]Stack, error) {
	c := newGDBConn(conn)
	if err := c.handshake(); err != nil {
		return nil, err
	}
	var stacks []Stack
	if err := c.send("c"); err != nil {
		return nil, err
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			c.send("D") // detach: the VM runs on
			return stacks, nil
		case <-tick.C:
		}
		s, err := sampleOnce(c)
		if err != nil {
			if len(stacks) > 0 || errors.Is(err, errExited) || errors.Is(err, io.EOF) {
				return stacks, nil
			}
			return nil, err
		}
		stacks = append(stacks, s)
		if err := c.send("c"); err != nil {
			return stacks, nil
		}
	}
}

// sampleOnce stops the VM and walks its stack.
func sampleOnce(c *gdbConn) (Stack, error) {
	if err := c.interrupt(); err != nil {
		return nil, err
	}
	if err := c.waitStop(); err != nil {
		return nil, err
	}
	regs, err := c.registers()
	if err != nil {
		return nil, err
	}
	const rbp, rip = 6, 16
	s := Stack{regs[rip]}
	fp := regs[rbp]
	for len(s) < maxDepth && fp != 0 {
		b, ok, err := c.memory(fp, 16) // the saved frame pointer, then the return address
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		next, ret := le64(b), le64(b[8:])
		if ret == 0 {
			break
		}
		s = append(s, ret)
		if next <= fp { // stacks grow down: a caller's frame is higher
			break
		}
		fp = next
	}
	return s, nil
}

// SampleSocket samples the VM whose gdbstub listens on the Unix socket at
// path (vmm.Spec.GDBSocket) until ctx ends: it connects as soon as QEMU
// listens, and again if QEMU is restarted (a KVM failure retried under TCG).
func SampleSocket(ctx context.Context, path string, interval time.Duration) ([]Stack, error) {
	var all []Stack
	var lastErr error
	for ctx.Err() == nil {
		conn, err := (&net.Dialer{}).DialContext(ctx, "unix", path)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now().Add(time.Second)) })
		s, err := Sample(ctx, conn, interval)
		stop()
		conn.Close()
		all = append(all, s...)
		if err != nil {
			lastErr = err
		}
	}
	if len(all) == 0 && lastErr != nil {
		return nil, lastErr
	}
	return all, nil
}
