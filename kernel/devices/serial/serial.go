// Package serial drives the 16550 UARTs that carry the app's stdout (COM1)
// and stderr plus kernel messages (COM2). Writes poll the transmitter; in a
// VM the UART is always ready, so this costs one port read per byte.
package serial

import "unigo.dev/unigo/kernel/cpu"

// Port is the I/O base of one UART.
type Port uint16

const (
	COM1 Port = 0x3f8
	COM2 Port = 0x2f8
	COM3 Port = 0x3e8
	COM4 Port = 0x2e8
)

const (
	regData      = 0
	regIntEnable = 1
	regFIFO      = 2
	regLineCtl   = 3
	regModemCtl  = 4
	regLineStat  = 5
	regScratch   = 7
	lineTHREmpty = 0x20
	lineDataRdy  = 0x01
)

// Init sets 8N1 with FIFOs and no interrupts.
func (p Port) Init() {
	b := uint16(p)
	cpu.Outb(b+regIntEnable, 0)
	cpu.Outb(b+regLineCtl, 0x80) // divisor latch
	cpu.Outb(b+regData, 1)       // 115200 baud
	cpu.Outb(b+regIntEnable, 0)
	cpu.Outb(b+regLineCtl, 0x03)
	cpu.Outb(b+regFIFO, 0xc7)
	cpu.Outb(b+regModemCtl, 0x03)
}

// Put sends one byte.
func (p Port) Put(c byte) {
	b := uint16(p)
	for cpu.Inb(b+regLineStat)&lineTHREmpty == 0 {
	}
	cpu.Outb(b+regData, c)
}

// Write sends bytes.
func (p Port) Write(s []byte) {
	for _, c := range s {
		p.Put(c)
	}
}

// WriteString sends a string.
func (p Port) WriteString(s string) {
	for i := 0; i < len(s); i++ {
		p.Put(s[i])
	}
}

// Present reports whether a UART answers at p (its scratch register keeps a value).
func (p Port) Present() bool {
	b := uint16(p)
	cpu.Outb(b+regScratch, 0x5a)
	if cpu.Inb(b+regScratch) != 0x5a {
		return false
	}
	cpu.Outb(b+regScratch, 0xa5)
	return cpu.Inb(b+regScratch) == 0xa5
}

// EnableReceiveInterrupt makes the UART raise its IRQ when a byte arrives.
func (p Port) EnableReceiveInterrupt() {
	b := uint16(p)
	cpu.Outb(b+regModemCtl, 0x0b) // DTR, RTS, OUT2 (gates the IRQ line)
	cpu.Outb(b+regIntEnable, 0x01)
}

// DisableReceiveInterrupt stops the UART's IRQ on arriving bytes: they
// wait in it (and the VMM holds back what follows).
func (p Port) DisableReceiveInterrupt() {
	cpu.Outb(uint16(p)+regIntEnable, 0)
}

// Read returns the next received byte, if any.
func (p Port) Read() (byte, bool) {
	b := uint16(p)
	if cpu.Inb(b+regLineStat)&lineDataRdy == 0 {
		return 0, false
	}
	return cpu.Inb(b + regData), true
}
