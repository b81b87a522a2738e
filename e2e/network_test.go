package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A plain Go program (no unigo imports) serves HTTP on 127.0.0.1 and fetches
// from itself (a 4 MiB body checked by SHA-256, a 1 MiB upload, 50
// connections at once), echoes UDP datagrams and makes a TCP round trip
// over IPv6, all through the kernel's sockets and gVisor's netstack.
func TestLoopbackNetwork(t *testing.T) {
	t.Parallel()
	r := run(t, app(t, "loopnet"))
	r.expect(t, 0, "ok http get:", "ok http 4MiB: 4194304 bytes", "ok http post 1MiB: 1048576 bytes",
		"ok 50 concurrent: 50/50 answered", "ok udp echo:", "ok ipv6 tcp:", "all network checks passed")
}

// The network stack, and the kernel's socket layer with it, are linked
// only into apps that use package net.
func TestLoopbackStackOnlyWithNet(t *testing.T) {
	t.Parallel()
	parts := []string{"unigo.dev/unigo/kernel/netstack.", "gvisor.dev/gvisor/pkg/tcpip", "unigo.dev/unigo/kernel/sockets.", "unigo.dev/unigo/kernel/syscalls.dispatchSocket"}
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
