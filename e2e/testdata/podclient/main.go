// Command podclient is the containerd tests' sidecar: a plain container
// (runc) in a unigo pod. It fetches the URL path of its first argument
// from the pod's unikernel at localhost and at the pod's own address (its
// interface's), retrying until each answers or 60 s pass, prints one line
// for each, "localhost: 200 BODY" or "podip: ERROR", and then serves
// "sidecar here" on port 9090 until SIGTERM, for the unikernel to reach.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: podclient :PORT/PATH")
		os.Exit(2)
	}
	target := os.Args[1]
	podIP := "no-address"
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				podIP = n.IP.String()
			}
		}
	}
	ln, err := net.Listen("tcp", ":9090")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "sidecar here") }))
	for _, host := range []struct{ name, addr string }{{"localhost", "localhost"}, {"podip", podIP}} {
		fmt.Printf("%s: %s\n", host.name, fetch("http://"+host.addr+target))
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
}

// fetch GETs url until it answers, at most 60 s.
func fetch(url string) string {
	cl := http.Client{Timeout: 3 * time.Second}
	var last error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := cl.Get(url)
		if err != nil {
			last = err
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return fmt.Sprintf("ERROR %v", last)
}
