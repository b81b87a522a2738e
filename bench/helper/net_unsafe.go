package main

import (
	"fmt"
	"net"
	"syscall"
	"time"
	"unsafe"
)

// netUp configures eth0 and lo (the drivers are loaded): eth0 gets the
// address of the kernel command line's net.ip= token (vmm writes it for a
// static address on a tap device, as for unigo), else QEMU's user-network
// guest address, 10.0.2.15, and then QEMU's user network is made to learn
// it (it drops the first forwarded connection to a guest it has not heard
// from).
func netUp() error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := net.InterfaceByName("eth0"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no eth0 5 s after loading the drivers")
		}
		time.Sleep(5 * time.Millisecond)
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := ifUp(fd, "lo", nil, nil); err != nil {
		return err
	}
	if p, ok := staticAddr(); ok {
		return ifUp(fd, "eth0", p.IP, net.IP(p.Mask))
	}
	if err := ifUp(fd, "eth0", net.IPv4(10, 0, 2, 15), net.IPv4(255, 255, 255, 0)); err != nil {
		return err
	}
	// One datagram to the gateway: the kernel asks for its address by ARP,
	// and QEMU records ours from the request.
	if c, err := net.Dial("udp4", "10.0.2.2:9"); err == nil {
		_, _ = c.Write([]byte{0})
		c.Close()
	}
	return nil
}

// ifreq is struct ifreq with a sockaddr_in or flags union.
type ifreq struct {
	Name [16]byte
	Data [24]byte
}

func ifUp(fd int, name string, addr, mask net.IP) error {
	ioctl := func(req uintptr, r *ifreq) error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(r))); e != 0 {
			return fmt.Errorf("%s: ioctl %#x: %v", name, req, e)
		}
		return nil
	}
	sin := func(ip net.IP) *ifreq {
		r := &ifreq{}
		copy(r.Name[:], name)
		r.Data[0] = syscall.AF_INET // sin_family, little endian
		copy(r.Data[4:8], ip.To4())
		return r
	}
	if addr != nil {
		if err := ioctl(syscall.SIOCSIFADDR, sin(addr)); err != nil {
			return err
		}
		if err := ioctl(syscall.SIOCSIFNETMASK, sin(mask)); err != nil {
			return err
		}
	}
	r := &ifreq{}
	copy(r.Name[:], name)
	if err := ioctl(syscall.SIOCGIFFLAGS, r); err != nil {
		return err
	}
	flags := *(*uint16)(unsafe.Pointer(&r.Data[0])) | syscall.IFF_UP | syscall.IFF_RUNNING
	*(*uint16)(unsafe.Pointer(&r.Data[0])) = flags
	return ioctl(syscall.SIOCSIFFLAGS, r)
}
