package e2e

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"unigo.dev/unigo/hostnet"
)

// The network card's configuration (issue 4): DHCP, static addresses on a
// tap device, name servers and /etc/hosts, IPv6 on the card. The guest is
// e2e/testdata/netconf, which prints what it finds.

// --net dhcp: the guest asks QEMU's DHCP server, gets 10.0.2.15 with its
// gateway and name server, and serves the host through -p.
func TestNetConfigDHCPUserNet(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	s := serve(t, "--net", "dhcp", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), app(t, "netconf"), "addr", "10.0.2.2:9", "files", "serve")
	if body := waitServing(t, s, fmt.Sprintf("http://127.0.0.1:%d/", port)); body != "netconf here\n" {
		t.Fatalf("body %q\n%v", body, s)
	}
	for _, want := range []string{"addr 10.0.2.2:9: from 10.0.2.15\n", `/etc/resolv.conf: "nameserver 10.0.2.3\n"`} {
		if !strings.Contains(s.stdout.String(), want) {
			t.Errorf("stdout lacks %q\n%v", want, s)
		}
	}
	if want := "DHCP: 10.0.2.15/24, gateway 10.0.2.2, DNS [10.0.2.3]"; !strings.Contains(s.stderr.String(), want) {
		t.Errorf("stderr lacks %q\n%v", want, s)
	}
}

// net.LookupHost in the guest asks the name server given with --dns: a
// server this test runs on the host's 127.0.0.1:53, which the guest reaches
// as 10.0.2.2:53 through QEMU's user-mode network. The DHCP lease's server
// does not replace it. --add-host names resolve from /etc/hosts.
func TestNetConfigDNS(t *testing.T) {
	t.Parallel()
	dns := startDNS(t, "127.0.0.1:53", map[string][]netip.Addr{
		"svc.unigo.test.": {netip.MustParseAddr("192.0.2.44"), netip.MustParseAddr("2001:db8::44")},
	})
	r := unigo(t, nil, "run", "--net", "dhcp", "--dns", "10.0.2.2", "--add-host", "db.unigo.test:192.0.2.7",
		"--add-host", "v6.unigo.test:2001:db8::7", app(t, "netconf"),
		"files", "lookup", "svc.unigo.test", "lookup", "db.unigo.test", "lookup", "v6.unigo.test", "lookup", "nothere.unigo.test")
	r.expect(t, 0, `/etc/resolv.conf: "nameserver 10.0.2.2\n"`,
		`/etc/hosts: "127.0.0.1\tlocalhost\n::1\tlocalhost\n192.0.2.7\tdb.unigo.test\n2001:db8::7\tv6.unigo.test\n"`,
		"lookup db.unigo.test: 192.0.2.7\n", "lookup v6.unigo.test: 2001:db8::7\n", "lookup nothere.unigo.test: FAIL")
	line := lineWith(r.stdout, "lookup svc.unigo.test:")
	if !strings.Contains(line, "192.0.2.44") || !strings.Contains(line, "2001:db8::44") {
		t.Fatalf("svc.unigo.test: %q, want 192.0.2.44 and 2001:db8::44\n%v", line, r)
	}
	if q := dns.asked(); !strings.Contains(q, "svc.unigo.test. A") || !strings.Contains(q, "nothere.unigo.test.") {
		t.Fatalf("the test's name server was asked %q", q)
	}
}

// IPv6 on the card through QEMU's user-mode network: the guest takes an
// address from the router advertisement (SLAAC in fec0::/64) and a default
// route to the router, and connects to the host, which QEMU's fec0::2 is
// (the host's ::1).
func TestNetConfigIPv6UserNet(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatalf("this host has no IPv6 loopback (::1), which the test needs: %v", err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "hello over ipv6 to %s\n", c.LocalAddr())
			c.Close()
		}
	}()
	r := unigo(t, nil, "run", "--net", "user", app(t, "netconf"), "dial", fmt.Sprintf("[fec0::2]:%d", l.Addr().(*net.TCPAddr).Port))
	r.expect(t, 0, "dial [fec0::2]:", ": from fec0::", `"hello over ipv6 to [::1]:`)
}

// A tap device on a bridge that the test makes (root): the guest with a
// static address serves the host over the bridge, answers ping, and is
// reached over IPv6 at its link-local address; then DHCP from a dnsmasq
// bound to the bridge (address, router, name server, and a name that
// dnsmasq serves); then no DHCP server at all: the guest says so and the
// app runs without an address instead of hanging.
func TestNetConfigTap(t *testing.T) {
	ping := needTool(t, "ping", "iputils-ping")
	dnsmasq := needTool(t, "dnsmasq", "dnsmasq-base")
	n := newTapNetwork(t)
	img := app(t, "netconf")
	guest := n.prefix + ".10"

	s := serve(t, "--net", "tap:"+n.tap, "--ip", guest+"/24", "--gateway", n.prefix+".1", img, "addr", n.prefix+".1:9", "serve")
	if body := waitServing(t, s, "http://"+guest+":8080/"); body != "netconf here\n" {
		t.Fatalf("body %q\n%v", body, s)
	}
	if want := "addr " + n.prefix + ".1:9: from " + guest + "\n"; !strings.Contains(s.stdout.String(), want) {
		t.Errorf("stdout lacks %q\n%v", want, s)
	}
	if out, err := exec.Command(ping, "-c", "2", "-W", "5", guest).CombinedOutput(); err != nil {
		t.Errorf("ping %s: %v\n%s", guest, err, out)
	}
	// The link-local address from the card's MAC, which unigo derives
	// from the tap device's name.
	v6 := "http://[" + linkLocal(t, hostnet.TapMAC(n.tap)) + "%25" + n.bridge + "]:8080/"
	if body, err := get(&http.Client{Timeout: 20 * time.Second}, v6); err != nil || body != "netconf here\n" {
		t.Errorf("GET %s: %q, %v\n%v", v6, body, err, s)
	}
	// While this VM holds the tap device, another is refused before boot.
	oneError(t, run(t, img, "--net", "tap:"+n.tap), "tap:"+n.tap+": the tap device is in use")
	stop(t, s)

	d := n.startDNSMasq(t, dnsmasq)
	r := unigo(t, nil, "run", "--net", "tap:"+n.tap, "--mac-address", "02:00:00:aa:bb:cc", img, "addr", n.prefix+".1:9", "files", "lookup", "svc.unigo.test")
	r.expect(t, 0, "addr "+n.prefix+".1:9: from "+n.prefix+".1", `/etc/resolv.conf: "nameserver `+n.prefix+`.1\n"`,
		"lookup svc.unigo.test: 192.0.2.45\n", "stderr:DHCP: "+n.prefix+".1")
	if !strings.Contains(r.stderr, "/24, gateway "+n.prefix+".1, DNS ["+n.prefix+".1]") {
		t.Fatalf("stderr lacks the lease\n%v", r)
	}
	if b, _ := os.ReadFile(d.log); !strings.Contains(string(b), "DHCPACK("+n.bridge+") "+n.prefix) || !strings.Contains(string(b), "02:00:00:aa:bb:cc") {
		t.Fatalf("dnsmasq did not lease to the --mac-address card:\n%s", b)
	}
	// The lease is renewed at T1 (3 s here) while the app runs, and the
	// app serves at the leased address.
	acks := d.acks()
	s = serve(t, "--net", "tap:"+n.tap, img, "serve")
	leased := waitLease(t, s)
	if body := waitServing(t, s, "http://"+leased+":8080/"); body != "netconf here\n" {
		t.Fatalf("body %q\n%v", body, s)
	}
	for deadline := time.Now().Add(30 * time.Second); d.acks() < acks+2; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(d.log)
			t.Fatalf("no renewal in 30 s with T1 = 3 s: dnsmasq's log:\n%s\n%v", b, s)
		}
	}
	stop(t, s)
	d.stop(t)

	start := time.Now()
	r = unigo(t, nil, "run", "--net", "tap:"+n.tap, img, "addr", n.prefix+".1:9")
	r.expect(t, 0, "stderr:DHCP: no answer from a DHCP server in 10s", "stderr:unigo run --ip ADDR/PREFIX",
		"addr "+n.prefix+".1:9: FAIL")
	t.Logf("without a DHCP server the app started after %v", time.Since(start))
}

// A tun device (IP packets) and a tap device that is down are refused
// before boot, each with the command that fixes it.
func TestNetConfigTapNotReady(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatalf("this test makes tun and tap devices: run it as root")
	}
	ip := needTool(t, "ip", "iproute2")
	img := app(t, "netconf")
	tun, down := fmt.Sprintf("ugn%d", os.Getpid()%100000), fmt.Sprintf("ugd%d", os.Getpid()%100000)
	for _, dev := range []struct{ name, mode string }{{tun, "tun"}, {down, "tap"}} {
		if out, err := exec.Command(ip, "tuntap", "add", "dev", dev.name, "mode", dev.mode).CombinedOutput(); err != nil {
			t.Fatalf("ip tuntap add dev %s mode %s: %v\n%s", dev.name, dev.mode, err, out)
		}
		t.Cleanup(func() { exec.Command(ip, "link", "del", dev.name).Run() })
	}
	oneError(t, run(t, img, "--net", "tap:"+tun), "is a tun device", "ip link del "+tun)
	oneError(t, run(t, img, "--net", "tap:"+down), "the tap device is down", "ip link set "+down+" up")
}

// The network flags refuse what cannot work, with one error before boot.
func TestNetConfigBadInput(t *testing.T) {
	t.Parallel()
	img := app(t, "netconf")
	oneError(t, run(t, img, "--net", "tap:ugmissing0"), "there is no network interface ugmissing0", "ip tuntap add dev ugmissing0 mode tap")
	oneError(t, run(t, img, "--net", "tap:ugmissing0", "--ip", "10.1.2.300/24"), `--ip "10.1.2.300/24"`, "e.g. --ip 192.168.100.10/24")
	oneError(t, run(t, img, "--net", "tap:ugmissing0", "--ip", "10.1.2.3"), `--ip "10.1.2.3"`)
	oneError(t, run(t, img, "--net", "tap:ugmissing0", "--ip", "10.1.2.3/24", "--gateway", "10.9.9.9"), `--gateway "10.9.9.9"`, "10.1.2.0/24")
	oneError(t, run(t, img, "--net", "user", "--ip", "10.0.2.20/24"), "10.0.2.15", "--net tap:NAME")
	oneError(t, run(t, img, "--net", "dhcp", "--gateway", "10.0.2.2"), "--gateway 10.0.2.2: goes with --ip")
	oneError(t, run(t, img, "--net", "tap:ugmissing0", "-p", "8080:8080"), "-p with --net tap:ugmissing0", "drop -p")
	oneError(t, run(t, img, "--net", "wifi"), `--net "wifi"`, "tap:NAME")
	oneError(t, run(t, img, "--dns", "resolver.example"), `--dns "resolver.example"`)
	oneError(t, run(t, img, "--add-host", "db"), `host entry "db"`, "NAME:IP")
	oneError(t, run(t, img, "--net", "none", "--dns", "1.1.1.1"), "--net none")
}

// A detached instance keeps the network options: DHCP, the name server
// and the host entries are the same at its boot as with an attached run.
func TestNetConfigDetached(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	port := freePort(t)
	in(t, root, "run", "-d", "--name", "web", "--net", "dhcp", "--dns", "10.0.2.2", "--add-host", "db.unigo.test:192.0.2.7",
		"-p", fmt.Sprintf("127.0.0.1:%d:8080", port), "netconf", "files", "serve").expect(t, 0)
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		body, err := get(c, fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err == nil && body == "netconf here\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the instance did not answer: %q, %v\n%v", body, err, in(t, root, "logs", "web"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	in(t, root, "logs", "web").expect(t, 0, `/etc/resolv.conf: "nameserver 10.0.2.2\n"`, "192.0.2.7\\tdb.unigo.test",
		"stderr:DHCP: 10.0.2.15/24, gateway 10.0.2.2")
}

// linkLocal is the IPv6 link-local address made from a MAC (RFC 4291
// appendix A: the universal/local bit flipped, ff:fe in the middle).
func linkLocal(t *testing.T, mac string) string {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	a := [16]byte{0: 0xfe, 1: 0x80, 8: hw[0] ^ 2, 9: hw[1], 10: hw[2], 11: 0xff, 12: 0xfe, 13: hw[3], 14: hw[4], 15: hw[5]}
	return netip.AddrFrom16(a).String()
}

// lineWith returns the first line of s that contains sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// needTool returns the path of a program the test needs, or fails naming
// it and the Debian package that has it.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/sbin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatalf("this test needs %s (Debian package %s; .ci/setup installs it)", name, pkg)
	return ""
}

// stop ends a VM started with serve, now.
func stop(t *testing.T, s *serving) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the VM did not stop\n%v", s)
	}
}

// tapNetwork is a bridge with PREFIX.1/24 and a tap device on it, made for
// one test and deleted after it.
type tapNetwork struct {
	bridge, tap string
	prefix      string // the /24's first three bytes: "10.201.5"
}

var tapSeq atomic.Int32

func newTapNetwork(t *testing.T) *tapNetwork {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("this test makes a bridge and a tap device: run it as root")
	}
	ip := needTool(t, "ip", "iproute2")
	seq := int(tapSeq.Add(1))
	pid := os.Getpid()
	n := &tapNetwork{
		bridge: fmt.Sprintf("ugb%d-%d", pid%100000, seq),
		tap:    fmt.Sprintf("ugt%d-%d", pid%100000, seq),
		prefix: fmt.Sprintf("10.%d.%d", 200+seq%50, pid%250),
	}
	cmd := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() {
		exec.Command(ip, "link", "del", n.tap).Run()
		exec.Command(ip, "link", "del", n.bridge).Run()
	})
	cmd("link", "add", n.bridge, "type", "bridge")
	cmd("addr", "add", n.prefix+".1/24", "dev", n.bridge)
	cmd("link", "set", n.bridge, "up")
	cmd("tuntap", "add", "dev", n.tap, "mode", "tap")
	cmd("link", "set", n.tap, "master", n.bridge, "up")
	return n
}

// dnsmasqRun is a dnsmasq serving DHCP and DNS on the test's bridge.
type dnsmasqRun struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// startDNSMasq serves DHCP (PREFIX.100-150, router and name server
// PREFIX.1, renewal after 3 s) and DNS on PREFIX.1 (svc.unigo.test is 192.0.2.45; nothing is
// forwarded) on the bridge alone.
func (n *tapNetwork) startDNSMasq(t *testing.T, dnsmasq string) *dnsmasqRun {
	t.Helper()
	dir := t.TempDir()
	d := &dnsmasqRun{done: make(chan struct{}), log: filepath.Join(dir, "dnsmasq.log")}
	d.cmd = exec.Command(dnsmasq, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
		"--bind-interfaces", "--interface="+n.bridge, "--except-interface=lo", "--listen-address="+n.prefix+".1",
		"--dhcp-range="+n.prefix+".100,"+n.prefix+".150,255.255.255.0,1h",
		"--dhcp-option=option:router,"+n.prefix+".1", "--dhcp-option=option:dns-server,"+n.prefix+".1",
		"--dhcp-option=option:T1,3",
		"--address=/svc.unigo.test/192.0.2.45",
		"--dhcp-leasefile="+filepath.Join(dir, "leases"), "--pid-file="+filepath.Join(dir, "pid"),
		"--log-facility="+d.log, "--log-dhcp")
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting dnsmasq: %v", err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() { d.stop(t) })
	// dnsmasq is ready once its log says its DHCP socket is bound.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(d.log)
		if strings.Contains(string(b), "DHCP, sockets bound") || strings.Contains(string(b), "DHCP, IP range") {
			return d
		}
		select {
		case <-d.done:
			t.Fatalf("dnsmasq ended at once:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("dnsmasq did not start in 10 s:\n%s", b)
		}
	}
}

// acks counts the DHCPACKs dnsmasq has sent.
func (d *dnsmasqRun) acks() int {
	b, _ := os.ReadFile(d.log)
	return strings.Count(string(b), "DHCPACK(")
}

// waitLease waits for the guest's message about its DHCP lease and
// returns the leased address.
func waitLease(t *testing.T, s *serving) string {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, rest, ok := strings.Cut(s.stderr.String(), "DHCP: "); ok {
			lease, _, _ := strings.Cut(rest, ",")
			if p, err := netip.ParsePrefix(lease); err == nil {
				return p.Addr().String()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DHCP lease in 60 s\n%v", s)
		}
	}
}

func (d *dnsmasqRun) stop(t *testing.T) {
	select {
	case <-d.done:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
	}
}

// dnsServer answers A and AAAA questions from a table, over UDP, and
// remembers what it was asked.
type dnsServer struct {
	mu        sync.Mutex
	questions []string
}

// startDNS serves names on addr until the test ends.
func startDNS(t *testing.T, addr string, names map[string][]netip.Addr) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("this test runs a name server on %s, which another program holds (ss -lunp | grep :53 names it): stop it", addr)
	}
	if err != nil {
		t.Fatalf("this test runs a name server on %s (as root): %v", addr, err)
	}
	t.Cleanup(func() { pc.Close() })
	s := &dnsServer{}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply, ok := s.answer(buf[:n], names); ok {
				pc.WriteTo(reply, from)
			}
		}
	}()
	return s
}

// answer builds the reply to one query: the table's addresses of the
// asked type, NXDOMAIN for a name it lacks.
func (s *dnsServer) answer(query []byte, names map[string][]netip.Addr) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	name := strings.ToLower(q.Name.String())
	s.mu.Lock()
	s.questions = append(s.questions, name+" "+strings.TrimPrefix(q.Type.String(), "Type"))
	s.mu.Unlock()
	addrs, known := names[name]
	rc := dnsmessage.RCodeSuccess
	if !known {
		rc = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RCode: rc})
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
	for _, a := range addrs {
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			b.AResource(rh, dnsmessage.AResource{A: a.As4()})
		case q.Type == dnsmessage.TypeAAAA && a.Is6():
			b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
	}
	reply, err := b.Finish()
	return reply, err == nil
}

// asked lists the questions so far, "NAME TYPE" each.
func (s *dnsServer) asked() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.questions, ", ")
}
