package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Unmodified servers (issue 19): a C and a Rust TCP echo server and a Go
// httpd built without unigo, each reached through a published port (-p):
// the kernel's own Go runtime runs the network stack beside the program
// (docs/exec-design.md). And a C program's files on a volume.

func execNetSource(name string) string {
	return filepath.Join(repoRoot, "e2e", "testdata", "execnet", name)
}

func TestExecServers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cc := execTool(t, "musl-gcc", "Debian's musl-tools (apt-get install musl-tools)")
	rustc := execTool(t, "rustc", "Rust (rustup, or Debian's rustc)", "/root/.cargo/bin/rustc")

	t.Run("c", func(t *testing.T) {
		t.Parallel()
		prog := filepath.Join(dir, "echo-c")
		compileProgram(t, dir, nil, cc, "-static", "-O2", "-o", prog, execNetSource("echo.c"))
		echoes(t, execImage(t, prog), 7000)
	})
	t.Run("rust", func(t *testing.T) {
		t.Parallel()
		prog := filepath.Join(dir, "echo-rs")
		compileProgram(t, dir, nil, rustc, "-O", "-C", "target-feature=+crt-static", "--target", "x86_64-unknown-linux-gnu",
			"-o", prog, execNetSource("echo.rs"))
		echoes(t, execImage(t, prog), 7001)
	})
	t.Run("go-httpd", func(t *testing.T) {
		t.Parallel()
		prog := filepath.Join(dir, "httpd")
		compileProgram(t, filepath.Join(repoRoot, "examples", "httpd"), []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"},
			"go", "build", "-o", prog, ".")
		port := freePort(t)
		s := serve(t, "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), execImage(t, prog))
		url := fmt.Sprintf("http://127.0.0.1:%d/", port)
		const want = "Hello from a unigo unikernel!\n"
		if body := waitServing(t, s, url); body != want {
			t.Fatalf("body %q, want %q\n%v", body, want, s)
		}
		c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		for i := range 10 {
			if body, err := get(c, url); err != nil || body != want {
				t.Fatalf("request %d: %q, %v\n%v", i, body, err, s)
			}
		}
	})
}

// A program whose socket calls unigo build cannot see (made with
// syscall(2)) gets a kernel without the network stack: each call fails with
// ENOSYS, and the first says on the console why and what to do. Built with
// --net-stack, the same program has the stack and its calls succeed.
func TestExecNetStack(t *testing.T) {
	t.Parallel()
	prog := muslProgram(t, "rawsocket", execNetSource("rawsocket.c"), "-O2")

	r := runExec(t, execImage(t, prog))
	r.expect(t, 0, "socket=-1 errno=38\nsocket=-1 errno=38\n", "stderr:has no network stack", "stderr:--net-stack")
	if n := strings.Count(r.stderr, "no network stack"); n != 1 {
		t.Fatalf("the console said %d times that there is no network stack, want once:\n%v", n, r)
	}
	r = runExec(t, execImage(t, prog, "--net-stack"))
	r.expect(t, 0, "socket=3 errno=0\nsocket=4 errno=0\n")
	if strings.Contains(r.stderr, "no network stack") {
		t.Fatalf("built with --net-stack, the kernel says it has no network stack:\n%v", r)
	}
	// unigo run PROG takes the flag too.
	run(t, prog, "--net", "none", "--net-stack").expect(t, 0, "socket=3 errno=0\nsocket=4 errno=0\n")
}

// echoes boots an echo server's image with its port published and checks
// that ten connections, some at once, get back what they send.
func echoes(t *testing.T, img string, guestPort int) {
	t.Helper()
	port := freePort(t)
	s := serve(t, "-p", fmt.Sprintf("127.0.0.1:%d:%d", port, guestPort), img)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(s.stdout.String(), "listening") {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not say it listens within 60 s\n%v", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	errs := make(chan error, 10)
	for i := range 10 {
		go func() {
			msg := bytes.Repeat([]byte(fmt.Sprintf("message %d;", i)), 100*(i+1))
			errs <- echoOnce(addr, msg)
		}()
	}
	for range 10 {
		if err := <-errs; err != nil {
			t.Errorf("echo: %v\n%v", err, s)
		}
	}
}

// echoOnce sends msg on a new connection and reads it back.
func echoOnce(addr string, msg []byte) error {
	var c net.Conn
	var err error
	for try := 0; try < 50; try++ { // QEMU's forwarder may be slow to accept under load
		if c, err = net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read back %d bytes: %w", len(msg), err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("sent %d bytes, got others back", len(msg))
	}
	return nil
}

// A C program's file on a volume outlives the VM, and the next run reads it.
func TestExecVolume(t *testing.T) {
	t.Parallel()
	prog := muslProgram(t, "volume", execNetSource("volume.c"), "-O2")
	img := execImage(t, prog)
	root := newRoot(t)
	in(t, root, "volume", "create", "cdata", "--size", "16M").expect(t, 0, "cdata\n")
	in(t, root, "run", "--net", "none", "-v", "cdata:/data", img, "write").expect(t, 0, "wrote\n")
	in(t, root, "run", "--net", "none", "-v", "cdata:/data", img, "read").expect(t, 0, "read: kept on the volume\n")
	disk := filepath.Join(root, "volumes", "cdata", "disk.img")
	if got := debugfsCat(t, disk, "/note.txt"); got != "kept on the volume\n" {
		t.Errorf("the volume's /note.txt on the host: %q", got)
	}
	if out, err := exec.Command(e2fsprogs(t, "e2fsck"), "-fn", disk).CombinedOutput(); err != nil {
		t.Errorf("e2fsck after the runs: %v\n%s", err, out)
	}
}

// A real server nobody rebuilt for unigo: NATS (nats-server, with
// JetStream writing to /tmp), `go install`ed from the module proxy as any
// user would, booted unmodified and spoken to in its own protocol through
// -p: a subscriber gets what is published, and PING gets PONG.
func TestExecNATS(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	cmd := exec.Command("go", "install", "github.com/nats-io/nats-server/v2@v2.15.3")
	cmd.Dir = bin // outside any module
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOBIN="+bin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install nats-server (through the module proxy): %v\n%s", err, out)
	}
	port := freePort(t)
	s := serve(t, "--memory", "256M", "-p", fmt.Sprintf("127.0.0.1:%d:4222", port), execImage(t, filepath.Join(bin, "nats-server")), "--", "-js", "-sd", "/tmp/js")
	var c net.Conn
	deadline := time.Now().Add(90 * time.Second)
	for {
		var err error
		if c, err = net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second); err == nil {
			c.SetDeadline(time.Now().Add(30 * time.Second))
			info := make([]byte, 5)
			if _, err = io.ReadFull(c, info); err == nil && string(info) == "INFO " {
				break
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not greet within 90 s: %v\n%v", err, s)
		}
		time.Sleep(500 * time.Millisecond)
	}
	defer c.Close()
	if _, err := c.Write([]byte("CONNECT {\"verbose\":false}\r\nSUB greetings 1\r\nPUB greetings 5\r\nhello\r\nPING\r\n")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte("PONG\r\n")) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("reading nats-server's answers: %v (so far %q)\n%v", err, got, s)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Contains(got, []byte("MSG greetings 1 5\r\nhello\r\n")) {
		t.Errorf("the subscriber did not get the message: %q\n%v", got, s)
	}
	if !strings.Contains(s.stderr.String()+s.stdout.String(), "Starting JetStream") {
		t.Errorf("nats-server did not start JetStream:\n%v", s)
	}
}
