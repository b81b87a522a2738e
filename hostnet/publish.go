// Package hostnet is the host's side of an instance's network: the ports
// it publishes (`unigo run -p 8080:80`, Docker's syntax) and the checks
// made before QEMU starts, so that a busy port is one clear error instead
// of a QEMU message after boot.
package hostnet

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"unigo.dev/unigo/vmm"
)

// ParsePublish reads one -p option, [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]
// or GUESTPORT alone (published on the same host port): connections to
// the host port reach the guest's port.
func ParsePublish(s string) (vmm.Forward, error) {
	bad := func(why string) (vmm.Forward, error) {
		return vmm.Forward{}, fmt.Errorf("invalid -p %q: %s (write HOSTPORT:GUESTPORT, e.g. 8080:80, optionally IP:8080:80 or 53:53/udp)", s, why)
	}
	spec, proto, hasProto := strings.Cut(s, "/")
	if !hasProto {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return bad("the protocol must be tcp or udp")
	}
	p := vmm.Forward{Proto: proto}
	if strings.HasPrefix(spec, "[") {
		return bad("QEMU's user-mode network forwards IPv4 host addresses only")
	}
	parts := strings.Split(spec, ":")
	var hostPort, guestPort string
	switch len(parts) {
	case 1:
		hostPort, guestPort = parts[0], parts[0]
	case 2:
		hostPort, guestPort = parts[0], parts[1]
	case 3:
		p.HostIP, hostPort, guestPort = parts[0], parts[1], parts[2]
		if ip := net.ParseIP(p.HostIP); ip == nil || ip.To4() == nil {
			return bad(fmt.Sprintf("%q is not an IPv4 address", p.HostIP))
		}
	default:
		return bad("too many ':'")
	}
	var err error
	if p.HostPort, err = port(hostPort); err != nil {
		return bad(err.Error())
	}
	if p.GuestPort, err = port(guestPort); err != nil {
		return bad(err.Error())
	}
	return p, nil
}

func port(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return n, nil
}

// ErrPortInUse is wrapped by the error for a host port someone holds.
var ErrPortInUse = errors.New("already in use")

// CheckFree makes sure each published host port can be taken now, and
// that no port is published twice.
func CheckFree(ps []vmm.Forward) error {
	seen := map[string]bool{}
	for _, p := range ps {
		key := fmt.Sprintf("%s/%d", p.Proto, p.HostPort)
		if seen[key] {
			return fmt.Errorf("host port %d/%s is published twice: give each -p its own host port", p.HostPort, p.Proto)
		}
		seen[key] = true
		addr := net.JoinHostPort(p.HostIP, strconv.Itoa(p.HostPort))
		var err error
		if p.Proto == "udp" {
			var c net.PacketConn
			if c, err = net.ListenPacket("udp", addr); err == nil {
				c.Close()
			}
		} else {
			var l net.Listener
			if l, err = net.Listen("tcp", addr); err == nil {
				l.Close()
			}
		}
		switch {
		case errors.Is(err, syscall.EADDRINUSE):
			return fmt.Errorf("host port %d/%s is %w (by another instance or program): publish on another one, e.g. -p %d:%d", p.HostPort, p.Proto, ErrPortInUse, p.HostPort+1, p.GuestPort)
		case errors.Is(err, syscall.EACCES):
			return fmt.Errorf("host port %d/%s needs privileges to bind: use a port above 1023, e.g. -p 8080:%d", p.HostPort, p.Proto, p.GuestPort)
		case err != nil:
			return fmt.Errorf("cannot publish host port %d/%s: %v", p.HostPort, p.Proto, err)
		}
	}
	return nil
}

// WaitHeld waits until the VMM holds every published host port (passt, or
// QEMU's user-mode network, binds them while it starts), so
// that a `run -d` that has returned has its ports: a second instance asking
// for one then gets the in-use error, not a failure after boot. It
// only reads /proc/net (binding to test would race with the VMM's own bind)
// and gives up silently after limit.
func WaitHeld(ps []vmm.Forward, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for _, p := range ps {
		for time.Now().Before(deadline) && !bound(p.Protocol(), p.HostPort) {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// bound reports whether some socket is bound to port (TCP: listening),
// from /proc/net/{tcp,tcp6,udp,udp6}.
func bound(proto string, port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, file := range []string{proto, proto + "6"} {
		data, err := os.ReadFile("/proc/net/" + file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 3 && strings.HasSuffix(f[1], want) && (proto == "udp" || f[3] == "0A") {
				return true
			}
		}
	}
	return false
}
