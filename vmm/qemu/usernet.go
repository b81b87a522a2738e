package qemu

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"unigo.dev/unigo/vmm"
)

// The user-mode network (no tap device) comes in two kinds, the usernet
// option:
//
//	slirp  QEMU's built-in user-mode network (libslirp): the default.
//	       Its forwarder of published ports listens with a backlog of 1
//	       and accepts slowly under emulation, so at 20+ concurrent
//	       connections clients wait out SYN retries.
//	passt  passt (Debian package passt) is the guest's network and the
//	       host side of -p: it listens on the published ports itself,
//	       with a real backlog (128), and accepts at native speed; QEMU
//	       reaches it through a socket pair (-netdev stream, fd). Opt-in:
//	       Debian 12's passt (2023-03) loses a client's RST before the
//	       guest answered (the guest's server keeps the connection) and,
//	       with other VMs loading the host, resets large uploads to the
//	       guest (e2e TestNetHostileClients, TestNetBulk100MiB).
//
// $UNIGO_USERNET sets the option when the spec does not.
//
// The guest's view is the same on both for IPv4: it is 10.0.2.15/24, the
// gateway 10.0.2.2 stands for the host (connections to it reach the
// host's loopback), DNS queries to 10.0.2.3 go to the host's name server,
// and DHCP gives these. What differs on passt: IPv6 comes from the host's
// own prefix (passt copies the host's addresses; slirp gives fec0::/64),
// the gateway answers ARP with passt's MAC, and published ports without a
// host address are also reachable over IPv6.
const (
	OptionUserNet = "usernet"
	UserNetPasst  = "passt"
	UserNetSlirp  = "slirp"
)

// PasstBinary is the passt program, looked up in PATH.
const PasstBinary = "passt"

// The fd QEMU reaches passt on: the first after the host's channels when
// the VMM starts QEMU (hostchan.go), the first after the guest's output
// channels when it hands the command over (Command).
const (
	fdNetStart   = 8
	fdNetCommand = 6
)

// passtReadyLimit is how long passt has to bind the published ports.
const passtReadyLimit = 5 * time.Second

// onPasst reports whether the card n is on passt.
func (o options) onPasst(n *vmm.NetSpec) bool {
	if n == nil || n.Tap != "" {
		return false
	}
	return o.usernet == UserNetPasst
}

// passtArgs are passt's arguments for the card n, passt reading the
// guest's frames on fd: in the foreground, quiet, ending when QEMU closes
// its end; the guest's IPv4 view of QEMU's user-mode network (addresses,
// gateway, DNS, MTU); the published ports, -t/-u [ADDR/]PORT:GUESTPORT.
func passtArgs(n *vmm.NetSpec, fd int) []string {
	a := []string{"--foreground", "--quiet", "--one-off", "--fd", strconv.Itoa(fd),
		"--address", "10.0.2.15", "--netmask", "24", "--gateway", "10.0.2.2",
		"--dns", "10.0.2.3", "--dns-forward", "10.0.2.3", "--mtu", "1500"}
	for _, f := range n.Forwards {
		flag := "-t"
		if f.Protocol() == "udp" {
			flag = "-u"
		}
		spec := fmt.Sprintf("%d:%d", f.HostPort, f.GuestPort)
		if f.HostIP != "" {
			spec = f.HostIP + "/" + spec
		}
		a = append(a, flag, spec)
	}
	return a
}

// passtProc is the passt process of one VM.
type passtProc struct {
	cmd  *exec.Cmd
	out  *tailBuffer // its messages
	done chan struct{}
	err  error // from Wait, once done is closed
}

// startPasst starts passt for the card n and returns it with QEMU's end of
// their socket pair; passt ends when ctx is done or QEMU's end is closed
// everywhere. It waits until passt holds the published ports, so that a
// port taken meanwhile is an error here, not a VM without its network.
func startPasst(ctx context.Context, n *vmm.NetSpec, verbose func(string, ...any)) (*passtProc, *os.File, error) {
	bin, err := exec.LookPath(PasstBinary)
	if err != nil {
		return nil, nil, fmt.Errorf("published ports (-p) need passt, which is not in PATH: install it with 'apt-get install passt' (or your system's package for it), or use QEMU's slower forwarder with %s=%s", "UNIGO_USERNET", UserNetSlirp)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot create the network's socket pair: %w", err)
	}
	qemuEnd, passtEnd := os.NewFile(uintptr(fds[0]), "net-qemu"), os.NewFile(uintptr(fds[1]), "net-passt")
	defer passtEnd.Close() // passt has its copy once started
	p := &passtProc{out: &tailBuffer{max: 4096}, done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, bin, passtArgs(n, 3)...)
	p.cmd.ExtraFiles = []*os.File{passtEnd} // fd 3
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true, // Ctrl-C reaches unigo only
		// passt drops root for nobody, which clears this; it also ends
		// when QEMU (which keeps its own) closes their socket.
		Pdeathsig: syscall.SIGKILL,
	}
	p.cmd.WaitDelay = time.Second
	if verbose != nil {
		verbose("passt: %s\n", shellQuote(append([]string{bin}, p.cmd.Args[1:]...)))
	}
	if err := p.cmd.Start(); err != nil {
		qemuEnd.Close()
		return nil, nil, fmt.Errorf("cannot start %s: %w", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	if err := p.waitReady(n.Forwards, passtReadyLimit); err != nil {
		qemuEnd.Close()
		p.kill()
		return nil, nil, err
	}
	return p, qemuEnd, nil
}

// waitReady waits until passt holds every published port, or fails with
// what passt said if it ends first.
func (p *passtProc) waitReady(fs []vmm.Forward, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, f := range fs {
		for !portHeld(f.Protocol(), f.HostPort) {
			select {
			case <-p.done:
				return fmt.Errorf("passt could not publish the ports (%v)%s: check that the host ports are free", p.err, colonMsg(p.messages()))
			case <-time.After(2 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("passt did not publish host port %d/%s within %v%s", f.HostPort, f.Protocol(), limit, colonMsg(p.messages()))
			}
		}
	}
	return nil
}

// wait waits up to limit for passt to end (it does once QEMU has), then
// kills it.
func (p *passtProc) wait(limit time.Duration) {
	select {
	case <-p.done:
	case <-time.After(limit):
		p.kill()
	}
}

// kill ends passt now and waits for it.
func (p *passtProc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// messages is what passt wrote, less its complaints that it has no system
// logger.
func (p *passtProc) messages() string {
	var keep []string
	for _, l := range strings.Split(p.out.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Failed to send") && !strings.HasPrefix(l, "Don't run as root") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// portHeld reports whether some socket holds port (TCP: listening), from
// /proc/net/{tcp,tcp6,udp,udp6}.
func portHeld(proto string, port int) bool {
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

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
