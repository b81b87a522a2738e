package e2e

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"unigo.dev/unigo/vmm/qemu"
)

// A plain Go program (no unigo imports) serves HTTP on 127.0.0.1 and fetches
// from itself (a 4 MiB body checked by SHA-256, a 1 MiB upload, 50
// connections at once), echoes UDP datagrams and makes a TCP round trip
// over IPv6, all through the kernel's sockets and gVisor's netstack.
func TestLoopbackNetwork(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "loopnet"))
	r.expect(t, 0, "ok http get:", "ok http 4MiB: 4194304 bytes", "ok http post 1MiB: 1048576 bytes",
		"ok 50 concurrent: 50/50 answered", "ok udp echo:", "ok ipv6 tcp:",
		"ok unix stream: 1048576 bytes echoed", "ok unix socketpair:", "ok unix rights:", "ok unixgram:", "ok unixgram flow: 200 datagrams, 819200 bytes", "ok unixpacket:",
		"ok http over unix:", "ok unix errors:", "ok socket copy: 262144 bytes", "all network checks passed")
}

// The network stack, and the kernel's socket layer with it, are linked
// only into apps that use package net.
func TestLoopbackStackOnlyWithNet(t *testing.T) {
	t.Parallel()
	parts := []string{"unigo.dev/unigo/kernel/netstack.", "gvisor.dev/gvisor/pkg/tcpip", "unigo.dev/unigo/kernel/sockets.", "unigo.dev/unigo/kernel/syscalls/netcalls.DispatchSocket"}
	nm := func(img string) string {
		out, err := exec.Command("go", "tool", "nm", img).Output()
		if err != nil {
			t.Fatalf("go tool nm %s: %v", img, err)
		}
		return string(out)
	}
	hello, loopnet := nm(image(t, "./examples/hello")), nm(app(t, "loopnet"))
	for _, p := range parts {
		if strings.Contains(hello, p) {
			t.Errorf("examples/hello does not use the network, yet its image has %s...", p)
		}
		if !strings.Contains(loopnet, p) {
			t.Errorf("loopnet's image lacks %s...", p)
		}
	}
}

// unigo test of a package whose tests use the network.
func TestLoopbackUnigoTest(t *testing.T) {
	t.Parallel()
	r := unigo(t, nil, "test", "-v", "./e2e/testdata/withnet")
	r.expect(t, 0, "--- PASS: TestShoutOverLoopback", "ok  \tunigo.dev/unigo/e2e/testdata/withnet")
}

// A program in the user's own module (whose go.mod never mentions unigo or
// gVisor) that uses the network: the extracted kernel module then requires
// unigo's versions of gVisor's modules.
func TestLoopbackUserModule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/pinger\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import (
	"fmt"
	"io"
	"net"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		c, _ := l.Accept()
		c.Write([]byte("pong from a user module"))
		c.Close()
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	b, err := io.ReadAll(c)
	fmt.Println(string(b), err)
}
`), 0o644)
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_CACHE_HOME=" + t.TempDir(), "GOCACHE=" + strings.TrimSpace(string(gocache))}
	img := filepath.Join(dir, "pinger.img")
	if r := unigo(t, env, "build", dir, "-o", img); r.code != 0 {
		t.Fatalf("build failed:\n%v", r)
	}
	run(t, img).expect(t, 0, "pong from a user module <nil>")
}

// serving is a VM started with `unigo run` in the background.
type serving struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts `unigo run ARGS...` and stops it (SIGTERM) when the test ends.
func serve(t *testing.T, args ...string) *serving {
	t.Helper()
	return serveWith(t, nil, args...)
}

// serveWith is serve with env added to unigo's environment.
func serveWith(t *testing.T, env []string, args ...string) *serving {
	t.Helper()
	s := &serving{cmd: exec.Command(unigoBin, append([]string{"run"}, args...)...),
		stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd.Dir = repoRoot
	if env != nil {
		s.cmd.Env = append(os.Environ(), env...)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

func (s *serving) String() string {
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
}

// get fetches url and returns the body.
func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %s", resp.Status)
	}
	return string(b), err
}

// waitServing polls url until it answers, for up to a minute (TCG boots
// slowly), and returns the first body.
func waitServing(t *testing.T, s *serving, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		body, err := get(c, url)
		if err == nil {
			return body
		}
		select {
		case <-s.done:
			t.Fatalf("the VM ended before %s answered (%v)\n%v", url, err, s)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within 60 s: %v\n%v", url, err, s)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// examples/httpd serves the host through a published port (-p): QEMU's
// user-mode network forwards the host port to the guest's 10.0.2.15:8080,
// the kernel's virtio-net driver hands the frames to gVisor's netstack
// (card.go) and the app's net/http answers. 20 requests one after the
// other, then 20 at once, each on its own connection.
func TestHTTPServeFromHost(t *testing.T) {
	img := image(t, "./examples/httpd")
	for _, machine := range []string{qemu.MachineMicroVM, qemu.MachinePC} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			begin := time.Now()
			s := serve(t, "--machine", machine, "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), img)
			url := fmt.Sprintf("http://127.0.0.1:%d/", port)
			const want = "Hello from a unigo unikernel!\n"
			if body := waitServing(t, s, url); body != want {
				t.Fatalf("body %q, want %q", body, want)
			}
			t.Logf("answering after %v", time.Since(begin))
			start := time.Now()
			// A fresh connection for every request.
			c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for i := range 20 {
				if body, err := get(c, url); err != nil || body != want {
					t.Fatalf("sequential request %d: %q, %v\n%v", i, body, err, s)
				}
			}
			t.Logf("20 sequential requests: %v", time.Since(start))
			// QEMU's user-mode network listens on the host port with a
			// backlog of 1 (ss -ltn shows it), so of 20 connections at once
			// the host drops some SYNs and the client sends them again after
			// 1, 3, 7, 15, 31 s: a slow guest (TCG, tests in parallel) can
			// take that long to accept them all.
			c.Timeout = 90 * time.Second
			start = time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if body, err := get(c, url); err != nil || body != want {
						errs <- fmt.Errorf("concurrent request %d: %q, %v", i, body, err)
					}
				}()
			}
			wg.Wait()
			t.Logf("20 concurrent requests: %v", time.Since(start))
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if !strings.Contains(s.stdout.String(), "listening on :8080") {
				t.Errorf("stdout lacks the app's line\n%v", s)
			}
		})
	}
}

// 10 MiB each way through the card: a download and an upload, both checked
// by SHA-256.
func TestHTTPLargeBodies(t *testing.T) {
	img := app(t, "httpnet")
	const size = 10 << 20
	big := make([]byte, size)
	for i := range big {
		big[i] = byte(i*7 + i>>11) // httpnet's pattern
	}
	sum := sha256.Sum256(big)
	for _, machine := range []string{qemu.MachineMicroVM, qemu.MachinePC} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			port := freePort(t)
			s := serve(t, "--machine", machine, "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), img)
			base := fmt.Sprintf("http://127.0.0.1:%d", port)
			if body := waitServing(t, s, base+"/"); body != "httpnet here\n" {
				t.Fatalf("body %q", body)
			}
			bothWays(t, &http.Client{Timeout: 2 * time.Minute}, base, size, sum[:], bytes.NewReader(big), s)
		})
	}
}

// bothWays downloads size bytes from the guest's GET /big?n=size and
// uploads body to its POST /sum, which answers "size sha256": both must
// match sum. It logs the times.
func bothWays(t *testing.T, c *http.Client, base string, size int, sum []byte, body io.Reader, s *serving) {
	t.Helper()
	start := time.Now()
	resp, err := c.Get(fmt.Sprintf("%s/big?n=%d", base, size))
	if err != nil {
		t.Fatalf("GET /big: %v\n%v", err, s)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if err != nil || n != int64(size) || !bytes.Equal(h.Sum(nil), sum) {
		t.Fatalf("GET /big: %d bytes, %v, sha256 %x; want %d bytes, %x\n%v", n, err, h.Sum(nil), size, sum, s)
	}
	d := time.Since(start)
	t.Logf("%d MiB download: %v (%.1f MiB/s)", size>>20, d, mibps(size, d))

	start = time.Now()
	resp, err = c.Post(base+"/sum", "application/octet-stream", body)
	if err != nil {
		t.Fatalf("POST /sum: %v\n%v", err, s)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("%d %x\n", size, sum); err != nil || string(b) != want {
		t.Fatalf("POST /sum: %q, %v; want %q\n%v", b, err, want, s)
	}
	d = time.Since(start)
	t.Logf("%d MiB upload: %v (%.1f MiB/s)", size>>20, d, mibps(size, d))
}

// The guest as a client: with --net user (no published port) the VM has a
// card, and QEMU's user-mode network takes 10.0.2.2 to the host, where
// this test serves 1 MiB. /etc/resolv.conf names QEMU's DNS server.
func TestHTTPGuestClient(t *testing.T) {
	body := make([]byte, 1<<20)
	for i := range body {
		body[i] = byte(i * 13)
	}
	sum := sha256.Sum256(body)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	img := app(t, "httpnet")
	for _, machine := range []string{qemu.MachineMicroVM, qemu.MachinePC} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			url := fmt.Sprintf("http://10.0.2.2:%d/", l.Addr().(*net.TCPAddr).Port)
			r := unigo(t, nil, "run", "--machine", machine, "--net", "user", img, "fetch", url)
			r.expect(t, 0, `resolv.conf: "nameserver 10.0.2.3\n"`, fmt.Sprintf("fetched status 200, %d bytes, sha256 %x", len(body), sum))
		})
	}
}

// Without -p or --net the VM has no card (and no /etc/resolv.conf), and the
// app's network is the loopback interface alone; --net none with -p is
// refused.
func TestHTTPNoCardWithoutNet(t *testing.T) {
	t.Parallel()
	r := unigo(t, nil, "run", app(t, "httpnet"), "fetch", "http://10.0.2.2:1/")
	r.expect(t, 1, "no resolv.conf:", "FAIL fetch:")
	r = run(t, app(t, "httpnet"), "--net", "none", "-p", fmt.Sprintf("127.0.0.1:%d:8080", freePort(t)))
	if r.code == 0 || !strings.Contains(r.stderr, "--net none") {
		t.Fatalf("--net none -p: %v", r)
	}
}
