package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// unixSockets checks AF_UNIX sockets, which the kernel keeps to itself
// (the network stack plays no part): a stream echo over a path in /tmp,
// a socketpair with blocking system calls, datagrams with their sender's
// name, seqpacket message boundaries, net/http over a Unix listener, the
// errors a C program would see, and io.Copy from a Unix to a TCP socket.
func unixSockets(big []byte) {
	dir, err := os.MkdirTemp("", "unix")
	if err != nil {
		check("unix stream", false, err.Error())
		return
	}
	defer os.RemoveAll(dir)
	unixStream(filepath.Join(dir, "echo.sock"), big)
	unixPair()
	unixRights(filepath.Join(dir, "passed.txt"))
	unixgram(filepath.Join(dir, "gram.sock"))
	unixPacket()
	unixHTTP(filepath.Join(dir, "http.sock"))
	unixErrors(filepath.Join(dir, "errors.sock"))
	socketCopy(big)
}

// unixStream echoes 1 MiB (16 times what a socket's ring holds) through a
// listener on a path, which stat shows as a socket until Close removes it.
func unixStream(path string, big []byte) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		check("unix stream", false, "listen: "+err.Error())
		return
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode()&fs.ModeSocket == 0 {
		check("unix stream", false, fmt.Sprintf("stat %s: %v %v", path, st, err))
		ln.Close()
		return
	}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		check("unix stream", false, "dial: "+err.Error())
		ln.Close()
		return
	}
	payload := big[:1<<20]
	go func() {
		c.Write(payload)
		c.(*net.UnixConn).CloseWrite()
	}()
	echo, err := io.ReadAll(c)
	remote := c.RemoteAddr().String()
	c.Close()
	ln.Close()
	_, gone := os.Stat(path)
	check("unix stream", err == nil && bytes.Equal(echo, payload) && remote == path && errors.Is(gone, fs.ErrNotExist),
		fmt.Sprintf("%d bytes echoed through %s (%s), removed on close: %v, err=%v", len(echo), remote, st.Mode(), gone != nil, err))
}

// unixPair talks over socketpair(2) with blocking system calls: the
// reader waits in the kernel until the writer's goroutine writes.
func unixPair() {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		check("unix socketpair", false, err.Error())
		return
	}
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := syscall.Read(fds[1], buf)
		if err == nil {
			_, err = syscall.Write(fds[1], append([]byte("pair got "), buf[:n]...))
		}
		syscall.Close(fds[1])
		done <- err
	}()
	syscall.Write(fds[0], []byte("ping"))
	var got []byte
	buf := make([]byte, 5)
	for {
		n, err := syscall.Read(fds[0], buf)
		if err != nil || n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	syscall.Close(fds[0])
	err = <-done
	check("unix socketpair", err == nil && string(got) == "pair got ping", fmt.Sprintf("%q err=%v", got, err))
}

// unixRights passes a file's descriptor over a socketpair (SCM_RIGHTS)
// and closes the sender's before the message is read: the receiver reads
// the file through the descriptor it got, which is close-on-exec as asked.
func unixRights(path string) {
	fail := func(what string, err error) { check("unix rights", false, what+": "+err.Error()) }
	if err := os.WriteFile(path, []byte("contents of a passed file"), 0o644); err != nil {
		fail("write", err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		fail("open", err)
		return
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		fail("socketpair", err)
		return
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	if err := syscall.Sendmsg(fds[0], []byte("x"), syscall.UnixRights(int(f.Fd())), nil, 0); err != nil {
		fail("sendmsg", err)
		return
	}
	f.Close()
	buf, oob := make([]byte, 1), make([]byte, syscall.CmsgSpace(4))
	_, oobn, _, _, err := syscall.Recvmsg(fds[1], buf, oob, syscall.MSG_CMSG_CLOEXEC)
	if err != nil {
		fail("recvmsg", err)
		return
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		check("unix rights", false, fmt.Sprintf("%d control messages, err=%v", len(msgs), err))
		return
	}
	got, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil || len(got) != 1 {
		check("unix rights", false, fmt.Sprintf("rights %v, err=%v", got, err))
		return
	}
	fdFlags, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(got[0]), syscall.F_GETFD, 0)
	passed := os.NewFile(uintptr(got[0]), "passed")
	contents, err := io.ReadAll(passed)
	passed.Close()
	check("unix rights", err == nil && string(contents) == "contents of a passed file" && fdFlags&syscall.FD_CLOEXEC != 0,
		fmt.Sprintf("read %q through descriptor %d (FD_CLOEXEC %v), err=%v", contents, got[0], fdFlags&syscall.FD_CLOEXEC != 0, err))
}

// unixgram sends datagrams to a socket bound to a path, from one with an
// abstract name (which the receiver sees) and from an unnamed one.
func unixgram(path string) {
	srv, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		check("unixgram", false, "listen: "+err.Error())
		return
	}
	defer srv.Close()
	named, err := net.DialUnix("unixgram", &net.UnixAddr{Name: "@loopnet-client", Net: "unixgram"}, srv.LocalAddr().(*net.UnixAddr))
	if err != nil {
		check("unixgram", false, "dial: "+err.Error())
		return
	}
	defer named.Close()
	anon, err := net.Dial("unixgram", path)
	if err != nil {
		check("unixgram", false, "dial: "+err.Error())
		return
	}
	defer anon.Close()
	named.Write([]byte("first datagram"))
	anon.Write([]byte("second"))
	buf := make([]byte, 100, 8192)
	n1, from1, err1 := srv.ReadFromUnix(buf)
	first := string(buf[:n1])
	n2, from2, err2 := srv.ReadFromUnix(buf)
	second := string(buf[:n2])
	ok := err1 == nil && err2 == nil && first == "first datagram" && from1 != nil && from1.Name == "@loopnet-client" &&
		second == "second" && from2 == nil
	check("unixgram", ok, fmt.Sprintf("%q from %v, %q from %v, err=%v %v", first, from1, second, from2, err1, err2))

	// 200 datagrams of 4 KiB, twelve times what the receiver's ring holds,
	// from two senders (one connected, one not): each waits for room in Go's
	// netpoller, and the receiver's reads must wake it.
	const count, size = 100, 4096
	loose, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Net: "unixgram"}) // autobound
	if err != nil {
		check("unixgram flow", false, err.Error())
		return
	}
	defer loose.Close()
	to := srv.LocalAddr().(*net.UnixAddr)
	for _, w := range []func([]byte) error{
		func(b []byte) error { _, err := named.Write(b); return err },
		func(b []byte) error { _, err := loose.WriteToUnix(b, to); return err },
	} {
		go func() {
			b := make([]byte, size)
			for i := 0; i < count; i++ {
				b[0] = byte(i)
				if err := w(b); err != nil {
					fmt.Println("unixgram sender:", err)
					return
				}
			}
		}()
	}
	srv.SetReadDeadline(time.Now().Add(time.Minute))
	got, bytes := 0, 0
	for got < 2*count {
		n, err := srv.Read(buf[:cap(buf)])
		if err != nil {
			break
		}
		got++
		bytes += n
	}
	check("unixgram flow", got == 2*count && bytes == 2*count*size, fmt.Sprintf("%d datagrams, %d bytes", got, bytes))
}

// unixPacket keeps message boundaries over a connection (abstract name).
func unixPacket() {
	ln, err := net.Listen("unixpacket", "@loopnet-packet")
	if err != nil {
		check("unixpacket", false, "listen: "+err.Error())
		return
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("one"))
		c.Write([]byte("two, longer"))
		c.Close()
	}()
	c, err := net.Dial("unixpacket", "@loopnet-packet")
	if err != nil {
		check("unixpacket", false, "dial: "+err.Error())
		return
	}
	defer c.Close()
	var msgs []string
	buf := make([]byte, 100)
	for {
		n, err := c.Read(buf)
		if err != nil || n == 0 {
			break
		}
		msgs = append(msgs, string(buf[:n]))
	}
	check("unixpacket", len(msgs) == 2 && msgs[0] == "one" && msgs[1] == "two, longer", fmt.Sprintf("%q", msgs))
}

// unixHTTP serves net/http on a Unix listener and asks it through a
// client whose transport dials the socket.
func unixHTTP(path string) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		check("http over unix", false, "listen: "+err.Error())
		return
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello over %s", r.URL.Path)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	var bodies []string
	for i := 0; i < 3; i++ {
		resp, err := client.Get("http://unix/sock")
		if err != nil {
			check("http over unix", false, err.Error())
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			check("http over unix", false, err.Error())
			return
		}
		bodies = append(bodies, string(b))
	}
	check("http over unix", bodies[0] == "hello over /sock" && bodies[2] == bodies[0], fmt.Sprintf("3 requests: %q", bodies[0]))
}

// unixErrors: a name in use, a path with nothing behind it, a name nobody
// listens on, and a socket's node that open(2) refuses.
func unixErrors(path string) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		check("unix errors", false, "listen: "+err.Error())
		return
	}
	_, inUse := net.Listen("unix", path)
	_, noFile := net.Dial("unix", path+".missing")
	_, noListener := net.Dial("unix", "@loopnet-nobody")
	_, open := os.Open(path)
	ln.Close()
	ok := errors.Is(inUse, syscall.EADDRINUSE) && errors.Is(noFile, syscall.ENOENT) &&
		errors.Is(noListener, syscall.ECONNREFUSED) && errors.Is(open, syscall.ENXIO)
	check("unix errors", ok, fmt.Sprintf("in use: %v; missing: %v; nobody: %v; open: %v", inUse, noFile, noListener, open))
}

// socketCopy copies with io.Copy from a Unix connection to a TCP one,
// as a proxy does: Go tries splice(2) for it, and must fall back to read
// and write when the kernel has none.
func socketCopy(big []byte) {
	up, upPeer, err := connPair("unix", "@loopnet-copy")
	if err != nil {
		check("socket copy", false, err.Error())
		return
	}
	down, downPeer, err := connPair("tcp", "127.0.0.1:0")
	if err != nil {
		check("socket copy", false, err.Error())
		return
	}
	payload := big[:256<<10]
	go func() {
		upPeer.Write(payload)
		upPeer.Close()
	}()
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(down, up) // TCPConn.ReadFrom(*UnixConn)
		down.Close()
		copied <- err
	}()
	got, err := io.ReadAll(downPeer)
	cerr := <-copied
	check("socket copy", err == nil && cerr == nil && bytes.Equal(got, payload),
		fmt.Sprintf("%d bytes unix -> tcp, err=%v copy err=%v", len(got), err, cerr))
}

// connPair returns the two ends of a connection on network.
func connPair(network, addr string) (net.Conn, net.Conn, error) {
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	s := <-accepted
	if s == nil {
		return nil, nil, errors.New("accept failed")
	}
	return s, c, nil
}
