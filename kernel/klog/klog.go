// Package klog prints kernel messages on COM2 without allocating, so it can be
// used on any trap path and before the Go runtime has started.
package klog

import "unigo.dev/unigo/kernel/devices/serial"

const out = serial.COM2

// Str prints a string.
func Str(s string) { out.WriteString(s) }

// Hex prints v as 0x-prefixed hexadecimal.
func Hex(v uint64) {
	var buf [18]byte
	i := len(buf)
	for {
		i--
		buf[i] = "0123456789abcdef"[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	i--
	buf[i] = 'x'
	i--
	buf[i] = '0'
	out.Write(buf[i:])
}

// Dec prints v in decimal.
func Dec(v int64) {
	var buf [20]byte
	i := len(buf)
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		buf[i] = '-'
	}
	out.Write(buf[i:])
}

// Bytes prints raw bytes.
func Bytes(b []byte) { out.Write(b) }

// Line prints "unigo: " + s + newline.
func Line(s string) {
	Str("unigo: ")
	Str(s)
	Str("\n")
}

// Micros prints nanoseconds as seconds with microsecond precision: 1.234567.
func Micros(ns int64) {
	us := ns / 1000
	Dec(us / 1e6)
	frac := us % 1e6
	Str(".")
	for d := int64(1e5); d > 0; d /= 10 {
		out.Put(byte('0' + frac/d%10))
	}
}
