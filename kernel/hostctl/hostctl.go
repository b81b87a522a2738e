// Package hostctl receives the host's commands on the control input (COM3,
// see docs/boot-contract.md): one line each, such as "signal 15" from
// `unigo stop`, or "restored UNIXNANO" once the VM runs again from a
// checkpoint. It runs in the UART's interrupt, so it never allocates.
package hostctl

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/devices/ioapic"
	"unigo.dev/unigo/kernel/devices/lapic"
	"unigo.dev/unigo/kernel/devices/serial"
	"unigo.dev/unigo/kernel/signals"
)

const (
	port = serial.COM3
	irq  = 5
)

// Vector is the interrupt vector of the control input.
const Vector = ioapic.VectorBase + irq

// line collects one command; the initialiser keeps it in loaded data.
var line = struct {
	n   int
	buf [128]byte
}{n: 0, buf: [128]byte{1}}

// Init enables the control input when the host attached one.
func Init() bool {
	if !port.Present() {
		return false
	}
	port.Init()
	for {
		if _, ok := port.Read(); !ok {
			break
		}
	}
	port.EnableReceiveInterrupt()
	ioapic.Enable(irq)
	return true
}

// Interrupt reads what arrived and runs each complete line.
func Interrupt() {
	for {
		c, ok := port.Read()
		if !ok {
			break
		}
		if c == '\n' {
			run(line.buf[:line.n])
			line.n = 0
			continue
		}
		if line.n < len(line.buf) {
			line.buf[line.n] = c
			line.n++
		}
	}
	lapic.EOI()
}

// run executes one command line.
func run(cmd []byte) {
	if n, ok := number(cmd, "signal "); ok {
		if signals.Valid(int(n)) {
			signals.RaiseProcess(int(n), signals.SIUser)
		}
		return
	}
	if n, ok := number(cmd, "restored "); ok {
		// The VM runs again from a checkpoint: its clocks went on as if
		// it had been paused, so the wall clock jumps to the host's; the
		// app is sent SIGCONT, as a stopped process that continues is.
		clock.SetWall(n - clock.Nanotime())
		signals.RaiseProcess(signals.SIGCONT, signals.SIUser)
	}
}

// number parses cmd as prefix followed by a decimal number.
func number(cmd []byte, prefix string) (int64, bool) {
	if len(cmd) <= len(prefix) || string(cmd[:len(prefix)]) != prefix {
		return 0, false
	}
	var n int64
	for _, c := range cmd[len(prefix):] {
		if c < '0' || c > '9' || n > (1<<62)/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
