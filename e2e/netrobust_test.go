package e2e

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"unigo.dev/unigo/vmm"
)

// The robustness and protocol tests of the guest network, all
// through ports published with -p on QEMU's user-mode network. The guest
// side is e2e/testdata/netpeer (or examples/httpd).

// peerPattern is byte i of netpeer's /big answer.
func peerPattern(i int) byte { return byte(i*7 + i>>11) }

// patternReader yields the first n bytes of peerPattern, without holding
// them in memory.
type patternReader struct{ off, n int }

func (r *patternReader) Read(b []byte) (int, error) {
	if r.off == r.n {
		return 0, io.EOF
	}
	m := min(len(b), r.n-r.off)
	for i := range m {
		b[i] = peerPattern(r.off + i)
	}
	r.off += m
	return m, nil
}

// patternSum is the SHA-256 of the first n bytes of peerPattern.
func patternSum(n int) []byte {
	h := sha256.New()
	io.Copy(h, &patternReader{n: n})
	return h.Sum(nil)
}

// servePeer boots netpeer with the given flags before the image and waits
// until its HTTP port (published on hostPort) answers.
func servePeer(t *testing.T, hostPort int, flags ...string) *serving {
	t.Helper()
	s := serve(t, append(append([]string{"-p", fmt.Sprintf("127.0.0.1:%d:8080", hostPort)}, flags...), app(t, "netpeer"))...)
	if body := waitServing(t, s, fmt.Sprintf("http://127.0.0.1:%d/", hostPort)); body != "netpeer here\n" {
		t.Fatalf("body %q\n%v", body, s)
	}
	return s
}

// mibps is a throughput in MiB/s.
func mibps(n int, d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }

// 100 MiB each way through the card, checked by SHA-256: a download from
// the guest and an upload to it.
func TestNetBulk100MiB(t *testing.T) {
	t.Parallel()
	const size = 100 << 20
	sum := patternSum(size)
	port := freePort(t)
	s := servePeer(t, port)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	c := &http.Client{Timeout: 3 * time.Minute}

	start := time.Now()
	resp, err := c.Get(fmt.Sprintf("%s/big?n=%d", base, size))
	if err != nil {
		t.Fatalf("GET /big: %v\n%v", err, s)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if err != nil || n != size || !bytes.Equal(h.Sum(nil), sum) {
		t.Fatalf("GET /big: %d bytes, %v, sha256 %x; want %d bytes, %x\n%v", n, err, h.Sum(nil), size, sum, s)
	}
	d := time.Since(start)
	t.Logf("100 MiB download: %v (%.1f MiB/s)", d, mibps(size, d))

	start = time.Now()
	resp, err = c.Post(base+"/sum", "application/octet-stream", &patternReader{n: size})
	if err != nil {
		t.Fatalf("POST /sum: %v\n%v", err, s)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("%d %x\n", size, sum); err != nil || string(b) != want {
		t.Fatalf("POST /sum: %q, %v; want %q\n%v", b, err, want, s)
	}
	d = time.Since(start)
	t.Logf("100 MiB upload: %v (%.1f MiB/s)", d, mibps(size, d))
}

// keepAlive is one client connection that sends requests one after the
// other (HTTP/1.1 keep-alive).
type keepAlive struct {
	conn net.Conn
	r    *bufio.Reader
}

// get sends GET path and reads the answer; the connection stays open.
func (k *keepAlive) get(path string) (string, error) {
	if _, err := fmt.Fprintf(k.conn, "GET %s HTTP/1.1\r\nHost: guest\r\n\r\n", path); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(k.r, nil)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return "", err
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("status %s", resp.Status)
	case resp.Close:
		return "", fmt.Errorf("the server closes the connection after the answer")
	}
	return string(b), nil
}

// dialPaced opens n connections to the published port addr, one at a
// time, each once QEMU has taken the previous one from its listening
// socket: QEMU's user-mode network listens with a backlog of 1, so a
// connection that finds the host's accept queue full has its SYN dropped
// and retried by the host's kernel only after 1, 3, 7... s.
func dialPaced(t *testing.T, s *serving, addr string, n int) []net.Conn {
	t.Helper()
	_, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range n {
		for wait := time.Now(); hostAcceptQueue(t, port) > 0 && time.Since(wait) < 5*time.Second; {
			time.Sleep(time.Millisecond)
		}
		c, err := net.DialTimeout("tcp", addr, 30*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v\n%v", i, err, s)
		}
		conns = append(conns, c)
	}
	return conns
}

// hostAcceptQueue is how many connections wait in the accept queue of the
// host's TCP socket listening on 127.0.0.1:port (the rx_queue field of
// /proc/net/tcp, for a listening socket).
func hostAcceptQueue(t *testing.T, port int) int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatalf("reading the host's listening sockets: %v", err)
	}
	local := fmt.Sprintf("0100007F:%04X", port)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 4 && f[1] == local && f[3] == "0A" { // 0A: LISTEN
			_, rx, _ := strings.Cut(f[4], ":")
			q, _ := strconv.ParseInt(rx, 16, 64)
			return int(q)
		}
	}
	return 0
}

// 500 connections open at once to examples/httpd, each answered twice over
// keep-alive; both rounds send all 500 requests at the same moment.
func TestNet500KeepAlive(t *testing.T) {
	t.Parallel()
	const n = 500
	port := freePort(t)
	s := serve(t, "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), image(t, "./examples/httpd"))
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	const want = "Hello from a unigo unikernel!\n"
	if body := waitServing(t, s, "http://"+addr+"/"); body != want {
		t.Fatalf("body %q\n%v", body, s)
	}
	start := time.Now()
	conns := dialPaced(t, s, addr, n)
	t.Logf("%d connections open after %v", n, time.Since(start))
	clients := make([]*keepAlive, n)
	for i, c := range conns {
		clients[i] = &keepAlive{conn: c, r: bufio.NewReader(c)}
	}
	for round := 1; round <= 2; round++ {
		start := time.Now()
		deadline := start.Add(2 * time.Minute)
		go_ := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i, k := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k.conn.SetDeadline(deadline)
				<-go_
				if body, err := k.get("/"); err != nil || body != want {
					errs <- fmt.Errorf("round %d, connection %d: %q, %v", round, i, body, err)
				}
			}()
		}
		close(go_)
		wg.Wait()
		close(errs)
		failures := 0
		for err := range errs {
			if failures++; failures <= 10 {
				t.Error(err)
			}
		}
		if failures > 0 {
			t.Fatalf("round %d: %d of %d connections not answered\n%v", round, failures, n, s)
		}
		t.Logf("round %d: %d requests at once, all answered in %v", round, n, time.Since(start))
	}
	select {
	case <-s.done:
		t.Fatalf("the VM ended\n%v", s)
	default:
	}
}

// selfSigned makes a certificate for 127.0.0.1 and 10.0.2.2 (the host as
// the guest sees it) signed by its own key, and returns it and its key as
// PEM text.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "unigo e2e"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 0, 2, 2)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// b64 is how PEM text travels in the guest's environment.
func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TLS both ways with a certificate the test makes: the guest serves HTTPS
// to a host client that trusts only that certificate, and the guest, as a
// client trusting only it, fetches from a host HTTPS server at 10.0.2.2; a
// server with another certificate is refused.
func TestNetTLS(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	body := make([]byte, 1<<20)
	for i := range body {
		body[i] = peerPattern(i)
	}
	sum := sha256.Sum256(body)
	hostTLS := func(c tls.Certificate) int {
		l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{c}})
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }),
			ErrorLog: log.New(io.Discard, "", 0)} // the refused handshake is expected
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		return l.Addr().(*net.TCPAddr).Port
	}
	trusted := hostTLS(cert)
	otherPEM, otherKey := selfSigned(t)
	other, err := tls.X509KeyPair(otherPEM, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	untrusted := hostTLS(other)
	img := app(t, "netpeer")

	for _, machine := range []string{vmm.MachineMicroVM, vmm.MachinePC} {
		t.Run(machine+"/guest-serves", func(t *testing.T) {
			t.Parallel()
			port, tlsPort := freePort(t), freePort(t)
			s := servePeer(t, port, "--machine", machine, "-p", fmt.Sprintf("127.0.0.1:%d:8443", tlsPort),
				"--env", "TLS_CERT="+b64(certPEM), "--env", "TLS_KEY="+b64(keyPEM))
			base := fmt.Sprintf("https://127.0.0.1:%d", tlsPort)
			c := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			resp, err := c.Get(fmt.Sprintf("%s/big?n=%d", base, len(body)))
			if err != nil {
				t.Fatalf("GET %s/big: %v\n%v", base, err, s)
			}
			h := sha256.New()
			n, err := io.Copy(h, resp.Body)
			resp.Body.Close()
			if err != nil || n != int64(len(body)) || !bytes.Equal(h.Sum(nil), sum[:]) {
				t.Fatalf("GET %s/big: %d bytes, %v, sha256 %x; want %d bytes, %x\n%v", base, n, err, h.Sum(nil), len(body), sum, s)
			}
			if v := resp.TLS.Version; v != tls.VersionTLS13 {
				t.Errorf("the guest spoke %s, want TLS 1.3", tls.VersionName(v))
			}
			// A client that does not trust the certificate refuses the guest.
			plain := &http.Client{Timeout: time.Minute}
			if _, err := plain.Get(base + "/"); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("a client without the test's certificate: %v, want a certificate error", err)
			}
		})
		t.Run(machine+"/guest-fetches", func(t *testing.T) {
			t.Parallel()
			url := fmt.Sprintf("https://10.0.2.2:%d/", trusted)
			r := unigo(t, nil, "run", "--machine", machine, "--net", "user", "--env", "TLS_CA="+b64(certPEM), img, "fetch", url)
			r.expect(t, 0, fmt.Sprintf("fetched %s over TLS 1.3: status 200, %d bytes, sha256 %x", url, len(body), sum))
			if machine != vmm.MachineMicroVM {
				return
			}
			url = fmt.Sprintf("https://10.0.2.2:%d/", untrusted)
			r = unigo(t, nil, "run", "--machine", machine, "--net", "user", "--env", "TLS_CA="+b64(certPEM), img, "fetch", url)
			r.expect(t, 1, "FAIL fetch:", "certificate signed by unknown authority")
		})
	}
}

// A UDP echo server in the guest, published with -p HOST:GUEST/udp:
// datagrams of several sizes up to 1400 bytes come back whole, one at a
// time and 20 at once.
func TestNetUDPEcho(t *testing.T) {
	for _, machine := range []string{vmm.MachineMicroVM, vmm.MachinePC} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			udpPort := freeUDPPort(t)
			s := servePeer(t, freePort(t), "--machine", machine, "-p", fmt.Sprintf("127.0.0.1:%d:7070/udp", udpPort))
			c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", udpPort))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			buf := make([]byte, 2048)
			datagram := func(i, size int) []byte {
				b := make([]byte, size)
				for j := range b {
					b[j] = byte(i*31 + j)
				}
				return b
			}
			for i, size := range []int{1, 64, 512, 1000, 1200, 1400} {
				d := datagram(i, size)
				if _, err := c.Write(d); err != nil {
					t.Fatal(err)
				}
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				n, err := c.Read(buf)
				if err != nil || !bytes.Equal(buf[:n], d) {
					t.Fatalf("datagram of %d bytes: got %d bytes back (%v)\n%v", size, n, err, s)
				}
			}
			const burst = 20
			for i := range burst {
				if _, err := c.Write(datagram(100+i, 1400)); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[byte]bool{}
			for len(seen) < burst {
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				n, err := c.Read(buf)
				if err != nil {
					t.Fatalf("%d of %d datagrams sent at once came back (%v)\n%v", len(seen), burst, err, s)
				}
				id := buf[0] // datagram(i, ...) starts with byte(i*31)
				i := -1
				for k := range burst {
					if byte((100+k)*31) == id {
						i = 100 + k
					}
				}
				if i < 0 || n != 1400 || !bytes.Equal(buf[:n], datagram(i, 1400)) || seen[id] {
					t.Fatalf("an echo of %d bytes that was not sent, or twice\n%v", n, s)
				}
				seen[id] = true
			}
		})
	}
}

// freeUDPPort is a UDP port of 127.0.0.1 that nothing uses now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
