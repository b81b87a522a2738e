// Package hostctl receives the host's commands on the control input (COM3,
// see docs/boot-contract.md): one line each, such as "signal 15" from
// `unigo stop`. It runs in the UART's interrupt, so it never allocates.
package hostctl

import (
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
	const prefix = "signal "
	if len(cmd) > len(prefix) && string(cmd[:len(prefix)]) == prefix {
		sig := 0
		for _, c := range cmd[len(prefix):] {
			if c < '0' || c > '9' {
				return
			}
			sig = sig*10 + int(c-'0')
		}
		if signals.Valid(sig) {
			signals.RaiseProcess(sig, signals.SIUser)
		}
	}
}
