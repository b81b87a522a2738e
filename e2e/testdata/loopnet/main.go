// Command loopnet exercises networking over the loopback interface with
// nothing but the standard library: an HTTP server and client talking to
// each other (small and 4 MiB bodies, 50 connections at once), a UDP echo
// a TCP round trip over IPv6, and blocking sockets through raw system
// calls (the thread waits in the kernel), with a half-close; then AF_UNIX
// sockets (unix.go). It prints one
// line per check and exits 0 only when all passed.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const bigSize = 4 << 20

var failed bool

func check(name string, ok bool, detail string) {
	if ok {
		fmt.Printf("ok %s: %s\n", name, detail)
		return
	}
	failed = true
	fmt.Printf("FAIL %s: %s\n", name, detail)
}

func main() {
	big := make([]byte, bigSize)
	for i := range big {
		big[i] = byte(i*7 + i>>11)
	}
	bigSum := sha256.Sum256(big)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("FAIL listen:", err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.Host)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()

	body, err := get(base + "/hello")
	check("http get", err == nil && string(body) == "hello from "+ln.Addr().String(), fmt.Sprintf("%q err=%v", body, err))

	start := time.Now()
	body, err = get(base + "/big")
	sum := sha256.Sum256(body)
	check("http 4MiB", err == nil && sum == bigSum, fmt.Sprintf("%d bytes sha256=%s err=%v in %v", len(body), hex.EncodeToString(sum[:8]), err, time.Since(start).Round(time.Millisecond)))

	resp, err := http.Post(base+"/echo", "application/octet-stream", bytes.NewReader(big[:1<<20]))
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	check("http post 1MiB", err == nil && bytes.Equal(body, big[:1<<20]), fmt.Sprintf("%d bytes err=%v", len(body), err))

	concurrent(base)
	udpEcho()
	ipv6RoundTrip()
	blockingSockets()
	unixSockets(big)

	if failed {
		fmt.Println("some network checks failed")
		os.Exit(1)
	}
	fmt.Println("all network checks passed")
}

func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// concurrent runs 50 requests at once, each on its own connection.
func concurrent(base string) {
	const n = 50
	tr := &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: 0}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	var wg sync.WaitGroup
	var mu sync.Mutex
	good, errs := 0, []error{}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			msg := fmt.Sprintf("request %d", i)
			resp, err := client.Post(base+"/echo", "text/plain", bytes.NewBufferString(msg))
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil && string(body) == msg {
				good++
			} else if len(errs) < 3 {
				errs = append(errs, fmt.Errorf("%s: %q %v", msg, body, err))
			}
		}(i)
	}
	wg.Wait()
	check("50 concurrent", good == n, fmt.Sprintf("%d/%d answered, errors %v", good, n, errs))
}

// udpEcho sends datagrams to an echo server on 127.0.0.1 and reads them back.
func udpEcho() {
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		check("udp echo", false, "listen: "+err.Error())
		return
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := srv.ReadFrom(buf)
			if err != nil {
				return
			}
			srv.WriteTo(bytes.ToUpper(buf[:n]), from)
		}
	}()
	c, err := net.Dial("udp", srv.LocalAddr().String())
	if err != nil {
		check("udp echo", false, "dial: "+err.Error())
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	got := []string{}
	for i := 0; i < 3; i++ {
		if _, err := fmt.Fprintf(c, "datagram %d", i); err != nil {
			check("udp echo", false, "write: "+err.Error())
			return
		}
		buf := make([]byte, 2048)
		n, err := c.Read(buf)
		if err != nil {
			check("udp echo", false, "read: "+err.Error())
			return
		}
		got = append(got, string(buf[:n]))
	}
	check("udp echo", fmt.Sprint(got) == "[DATAGRAM 0 DATAGRAM 1 DATAGRAM 2]", fmt.Sprintf("%q from %s via %s", got, c.LocalAddr(), srv.LocalAddr()))
}

// ipv6RoundTrip sends a line over TCP on [::1] and reads the reply.
func ipv6RoundTrip() {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		check("ipv6 tcp", false, "listen: "+err.Error())
		return
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		fmt.Fprintf(c, "pong to %s: %s", c.RemoteAddr(), buf[:n])
	}()
	c, err := net.Dial("tcp6", ln.Addr().String())
	if err != nil {
		check("ipv6 tcp", false, "dial: "+err.Error())
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, "ping")
	reply, err := io.ReadAll(c)
	want := fmt.Sprintf("pong to %s: ping", c.LocalAddr())
	check("ipv6 tcp", err == nil && string(reply) == want, fmt.Sprintf("%q on %s err=%v", reply, ln.Addr(), err))
}

// blockingSockets uses sockets without O_NONBLOCK, as a C program would:
// accept, connect and read wait in the kernel; shutdown(SHUT_WR) ends the
// client's stream while its reading side still gets the answer.
func blockingSockets() {
	fail := func(what string, err error) { check("blocking", false, what+": "+err.Error()) }
	ls, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		fail("socket", err)
		return
	}
	defer syscall.Close(ls)
	loopback := [4]byte{127, 0, 0, 1}
	if err := syscall.Bind(ls, &syscall.SockaddrInet4{Addr: loopback}); err != nil {
		fail("bind", err)
		return
	}
	if err := syscall.Listen(ls, 8); err != nil {
		fail("listen", err)
		return
	}
	sa, err := syscall.Getsockname(ls)
	if err != nil {
		fail("getsockname", err)
		return
	}
	port := sa.(*syscall.SockaddrInet4).Port
	reply := make(chan string, 1)
	go func() {
		c, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			reply <- "socket: " + err.Error()
			return
		}
		defer syscall.Close(c)
		if err := syscall.Connect(c, &syscall.SockaddrInet4{Addr: loopback, Port: port}); err != nil {
			reply <- "connect: " + err.Error()
			return
		}
		syscall.Write(c, []byte("blocking hello"))
		syscall.Shutdown(c, syscall.SHUT_WR)
		buf := make([]byte, 100)
		n, err := syscall.Read(c, buf)
		if err != nil {
			reply <- "read: " + err.Error()
			return
		}
		reply <- string(buf[:n])
	}()
	a, _, err := syscall.Accept(ls)
	if err != nil {
		fail("accept", err)
		return
	}
	var got []byte
	buf := make([]byte, 4)
	for {
		n, err := syscall.Read(a, buf)
		if err != nil {
			fail("read", err)
			return
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	syscall.Write(a, append([]byte("got "), got...))
	syscall.Close(a)
	r := <-reply
	check("blocking", r == "got blocking hello", fmt.Sprintf("%q, port %d", r, port))
}
