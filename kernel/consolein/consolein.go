// Package consolein is the app's standard input when the host gives it one
// (`unigo run -i`, `docker run -i`): bytes on a 16550 at COM4, framed by
// the host — 0x00 0x00 stands for a zero byte, 0x00 0x01 for the end of
// the input — and kept in a ring until the app reads them. Flow control is
// the UART's: while the ring is full the interrupt leaves bytes in the
// UART, so QEMU stops reading its socket and the host's writes wait.
// Without the UART (no -i) standard input reads end-of-file at once. It
// runs in the UART's interrupt and on the system-call path: no allocation.
package consolein

import (
	"unigo.dev/unigo/kernel/devices/ioapic"
	"unigo.dev/unigo/kernel/devices/lapic"
	"unigo.dev/unigo/kernel/devices/serial"
	"unigo.dev/unigo/kernel/threads"
)

const (
	port = serial.COM4
	irq  = 7
)

// Vector is the interrupt vector of the input.
const Vector = ioapic.VectorBase + irq

// Framing bytes of the host's stream, and the byte that tells the host
// the input is ready for it.
const (
	escape  = 0x00
	endMark = 0x01
	ready   = 0x06
)

// in is the input's state; the non-zero initialiser keeps it in loaded
// data, so the interrupt handler never faults on it.
var in = struct {
	present bool
	r, w    uint64 // bytes taken by the app, and put in, so far
	escaped bool   // the last byte was the escape
	eof     bool   // the end mark arrived
	held    bool   // the ring was full: the UART's interrupt is off
	buf     [16 << 10]byte
}{buf: [16 << 10]byte{1}}

// waitKey is what a reader waiting for input sleeps on: apart from any
// address (never mapped), as the pipes' keys are.
const waitKey = 0xffff_f100_0000_0000

// Init enables the input when the host attached one.
func Init() bool {
	if !port.Present() {
		return false
	}
	in.present = true
	port.Init()
	port.EnableReceiveInterrupt()
	ioapic.Enable(irq)
	port.Put(ready) // the host sends nothing before: Init's FIFO reset loses nothing
	return true
}

// Interrupt takes what arrived into the ring and wakes the readers.
func Interrupt() {
	drain()
	lapic.EOI()
}

// drain moves bytes from the UART into the ring until either is empty;
// with the ring full it turns the UART's interrupt off until a read makes
// room.
func drain() {
	moved := false
	for in.w-in.r < uint64(len(in.buf)) {
		c, ok := port.Read()
		if !ok {
			break
		}
		moved = true
		switch {
		case in.escaped:
			in.escaped = false
			if c == endMark {
				in.eof = true
				continue
			}
			in.buf[in.w%uint64(len(in.buf))] = c
			in.w++
		case c == escape:
			in.escaped = true
		default:
			in.buf[in.w%uint64(len(in.buf))] = c
			in.w++
		}
	}
	if in.w-in.r == uint64(len(in.buf)) && !in.held {
		in.held = true
		port.DisableReceiveInterrupt()
	}
	if moved {
		threads.WakeRestartAll(waitKey)
	}
}

// Read copies input into b. It returns the bytes copied; with none, eof
// says the input has ended (or there is none), else the caller waits
// (Wait) or, non-blocking, answers EAGAIN.
func Read(b []byte) (n int, eof bool) {
	if !in.present {
		return 0, true
	}
	for n < len(b) && in.r < in.w {
		b[n] = in.buf[in.r%uint64(len(in.buf))]
		in.r++
		n++
	}
	if n > 0 && in.held {
		in.held = false
		port.EnableReceiveInterrupt()
		drain()
	}
	return n, n == 0 && in.eof
}

// Wait puts t to sleep until input arrives; its read is then restarted.
func Wait(t *threads.Thread) { threads.BlockRestart(t, waitKey) }
