// Package power ends the VM and tells the host why, through the control
// channel (QEMU isa-debugcon at port 0x5f0) and isa-debug-exit at 0xf4.
// See docs/boot-contract.md.
package power

import "unigo.dev/unigo/kernel/cpu"

const (
	controlPort = 0x5f0
	exitPort    = 0xf4
)

func control(s string) {
	for i := 0; i < len(s); i++ {
		cpu.Outb(controlPort, s[i])
	}
}

func controlDec(v uint64) {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for ; i < len(buf); i++ {
		cpu.Outb(controlPort, buf[i])
	}
}

// Exit reports the app's exit status and powers off.
func Exit(code int) {
	control("exit ")
	controlDec(uint64(code) & 0xff)
	control("\n")
	off()
}

// KilledBy reports that the app died of a signal and powers off.
func KilledBy(sig int) {
	control("signal ")
	controlDec(uint64(sig))
	control("\n")
	off()
}

// Crash reports a kernel crash and powers off.
func Crash(reason string) {
	control("crash ")
	control(reason)
	control("\n")
	off()
}

func off() {
	cpu.Outl(exitPort, 0)
	for {
		haltForever()
	}
}

func haltForever()

// Serving tells the host that the app started (open) or stopped serving
// a port of the network (a TCP listener, a bound UDP socket), for hosts
// that route by port (docs/boot-contract.md): "listen tcp 8080",
// "unlisten udp 53".
func Serving(udp bool, port uint16, open bool) {
	if !open {
		control("un")
	}
	control("listen ")
	if udp {
		control("udp ")
	} else {
		control("tcp ")
	}
	controlDec(uint64(port))
	control("\n")
}
