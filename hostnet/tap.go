package hostnet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// CheckTap makes sure QEMU can put the card on tap device name: the tun
// driver is there, name is a tap device (not a tun device or another kind
// of interface), it is up, and no other program has it open. Each failure
// is one error that says how to fix it, before QEMU starts.
func CheckTap(name string) error {
	setup := fmt.Sprintf("create it as root: ip tuntap add dev %s mode tap && ip link set %s master BRIDGE up (README: Networking on a tap device)", name, name)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return fmt.Errorf("--net tap:%s: /dev/net/tun is missing (%v): load the tun module (modprobe tun) or, in a container, pass the device in (--device /dev/net/tun)", name, err)
	}
	sys := filepath.Join("/sys/class/net", name)
	if _, err := os.Stat(sys); err != nil {
		return fmt.Errorf("--net tap:%s: there is no network interface %s: %s", name, name, setup)
	}
	flags, err := readHex(filepath.Join(sys, "tun_flags"))
	if err != nil {
		return fmt.Errorf("--net tap:%s: %s is a network interface but not a tap device: give a tap device, or %s", name, name, setup)
	}
	if flags&iffTap == 0 {
		return fmt.Errorf("--net tap:%s: %s is a tun device (IP packets), not a tap device (Ethernet frames): delete it (ip link del %s) and %s", name, name, name, setup)
	}
	if up, err := readHex(filepath.Join(sys, "flags")); err == nil && up&iffUp == 0 {
		return fmt.Errorf("--net tap:%s: the tap device is down: bring it up with ip link set %s up", name, name)
	}
	return checkTapFree(name, flags)
}

// Linux's interface flags (<linux/if.h>, <linux/if_tun.h>).
const (
	iffUp         = 0x1
	iffTap        = 0x0002
	iffNoPI       = 0x1000
	iffMultiQueue = 0x0100
	tunSetIff     = 0x400454ca // TUNSETIFF
)

// checkTapFree attaches to the device for a moment, as QEMU will: the
// kernel answers EBUSY when another program (another VM) holds it, EPERM
// when this user may not use it.
func checkTapFree(name string, flags uint64) error {
	f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("--net tap:%s: opening /dev/net/tun: %v: run as root, or create the device for your user (ip tuntap add dev %s mode tap user $USER)", name, err, name)
	}
	defer f.Close()
	errno := tunSetIFF(f.Fd(), name, iffTap|iffNoPI|uint16(flags&iffMultiQueue))
	switch {
	case errno == 0:
		return nil
	case errors.Is(errno, syscall.EBUSY):
		return fmt.Errorf("--net tap:%s: the tap device is in use (another VM or program has it open): give each VM its own tap device (ip tuntap add dev NAME mode tap)", name)
	case errors.Is(errno, syscall.EPERM):
		return fmt.Errorf("--net tap:%s: not allowed to use the tap device: run as root, or recreate it for your user (ip tuntap add dev %s mode tap user $USER)", name, name)
	}
	return fmt.Errorf("--net tap:%s: attaching to the tap device: %v", name, errno)
}

// readHex reads a sysfs number such as "0x1003".
func readHex(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"), 16, 64)
}
