// Command nicprobe checks the kernel's network card through its private
// system calls (kernel/privcalls): nic_info, then an ARP request for QEMU
// user networking's gateway (10.0.2.2) from the guest's address
// (10.0.2.15) sent with nic_send, and nic_recv until the ARP reply comes
// (other frames are ignored). It prints the card and the gateway's MAC
// and exits 0; after 10 s without a reply it says so and exits 1. It also
// checks the calls' argument errors, sends a burst of frames (more than
// the transmit ring holds), and checks that nic_recv truncates.
//
// With the argument "wait" it then prints "waiting" and waits in nic_recv
// for the host to connect to guest port 80 (forwarded by QEMU): the TCP
// SYN that QEMU's user network then sends must wake the blocked thread
// through the card's interrupt. It prints what woke it and exits 0.
// Meanwhile the host measures that the waiting VM costs no CPU.
package main

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"

	"unigo.dev/unigo/kernel/privcalls"
)

var (
	guestIP   = []byte{10, 0, 2, 15}
	gatewayIP = []byte{10, 0, 2, 2}
)

func fail(format string, args ...any) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

func call(nr uintptr, b []byte, n int) (int, syscall.Errno) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	r, _, e := syscall.Syscall(nr, uintptr(p), uintptr(n), 0)
	return int(r), e
}

// recv is nic_recv, again when a signal (the Go runtime's) interrupts it.
func recv(b []byte, n int) int {
	for {
		r, e := call(privcalls.NICRecv, b, n)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			fail("nic_recv: %v", e)
		}
		return r
	}
}

func send(frame []byte) {
	for {
		r, e := call(privcalls.NICSend, frame, len(frame))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || r != len(frame) {
			fail("nic_send(%d bytes) = %d, %v", len(frame), r, e)
		}
		return
	}
}

// arpRequest asks who has gatewayIP, from mac at guestIP: a broadcast
// frame, padded to Ethernet's 60-byte minimum.
func arpRequest(mac []byte) []byte {
	f := make([]byte, 60)
	copy(f[0:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(f[6:], mac)
	copy(f[12:], []byte{0x08, 0x06})                   // ARP
	copy(f[14:], []byte{0, 1, 0x08, 0x00, 6, 4, 0, 1}) // Ethernet, IPv4, request
	copy(f[22:], mac)
	copy(f[28:], guestIP)
	copy(f[38:], gatewayIP) // target MAC (32..37) unknown: zero
	return f
}

// arpReply returns the sender's MAC when f is the gateway's ARP reply to
// us.
func arpReply(f, mac []byte) ([]byte, bool) {
	if len(f) < 42 || !bytes.Equal(f[12:14], []byte{0x08, 0x06}) ||
		!bytes.Equal(f[14:22], []byte{0, 1, 0x08, 0x00, 6, 4, 0, 2}) ||
		!bytes.Equal(f[28:32], gatewayIP) || !bytes.Equal(f[38:42], guestIP) ||
		!bytes.Equal(f[0:6], mac) {
		return nil, false
	}
	return f[22:28], true
}

func main() {
	var info [privcalls.InfoSize]byte
	if r, e := call(privcalls.NICInfo, info[:], 0); r != 0 || e != 0 {
		fail("nic_info = %d, %v", r, e)
	}
	mac := info[privcalls.InfoMAC : privcalls.InfoMAC+6]
	mtu := int(info[privcalls.InfoMTU]) | int(info[privcalls.InfoMTU+1])<<8
	fmt.Printf("nic mac %02x mtu %d link %d\n", mac, mtu, info[privcalls.InfoLink])
	if mtu != 1500 || info[privcalls.InfoLink] != 1 {
		fail("nic_info: want MTU 1500 and the link up")
	}
	checkErrors()

	timer := time.AfterFunc(10*time.Second, func() {
		fail("no ARP reply from the gateway 10.0.2.2 after 10 s (is the VM on QEMU's user network?)")
	})
	send(arpRequest(mac))
	buf := make([]byte, 2048)
	for {
		n := recv(buf, len(buf))
		if gw, ok := arpReply(buf[:n], mac); ok {
			fmt.Printf("gateway 10.0.2.2 is at %02x\n", gw)
			break
		}
	}
	// More frames than there are transmit buffers, as fast as they go: the
	// sender waits for the card whenever the ring is full.
	for i := 0; i < 300; i++ {
		send(arpRequest(mac))
	}
	fmt.Println("sent 300 more")
	checkTruncation(mac)
	timer.Stop()

	if len(os.Args) > 1 && os.Args[1] == "wait" {
		fmt.Println("waiting")
		for {
			n := recv(buf, len(buf))
			if port, ok := tcpSYN(buf[:n]); ok {
				fmt.Printf("woken by a TCP SYN to port %d\n", port)
				return
			}
		}
	}
}

// tcpSYN returns the destination port when f is an IPv4 TCP SYN to us.
func tcpSYN(f []byte) (int, bool) {
	if len(f) < 14+20+20 || f[12] != 0x08 || f[13] != 0x00 || f[14]>>4 != 4 || f[23] != 6 ||
		!bytes.Equal(f[30:34], guestIP) {
		return 0, false
	}
	tcp := f[14+int(f[14]&15)*4:]
	if len(tcp) < 20 || tcp[13]&0x12 != 0x02 { // SYN without ACK
		return 0, false
	}
	return int(tcp[2])<<8 | int(tcp[3]), true
}

// checkErrors checks what the calls refuse.
func checkErrors() {
	short := make([]byte, 13)
	if _, e := call(privcalls.NICSend, short, len(short)); e != syscall.EINVAL {
		fail("nic_send of 13 bytes: %v, want EINVAL", e)
	}
	long := make([]byte, privcalls.MaxFrame+1)
	if _, e := call(privcalls.NICSend, long, len(long)); e != syscall.EMSGSIZE {
		fail("nic_send of %d bytes: %v, want EMSGSIZE", len(long), e)
	}
	if _, _, e := syscall.Syscall(privcalls.NICRecv, 8, 100, 0); e != syscall.EFAULT {
		fail("nic_recv into address 8: %v, want EFAULT", e)
	}
	if _, _, e := syscall.Syscall(privcalls.NICInfo, 8, 0, 0); e != syscall.EFAULT {
		fail("nic_info into address 8: %v, want EFAULT", e)
	}
}

// checkTruncation asks again and receives the next frame, whatever it is,
// into 20 bytes of a larger buffer: the call returns 20 and writes no more.
func checkTruncation(mac []byte) {
	send(arpRequest(mac))
	buf := bytes.Repeat([]byte{0xaa}, 64)
	if n := recv(buf, 20); n != 20 || !bytes.Equal(buf[20:], bytes.Repeat([]byte{0xaa}, 44)) {
		fail("nic_recv of 20 bytes returned %d, buffer % x", n, buf)
	}
	fmt.Println("truncated to 20")
}
