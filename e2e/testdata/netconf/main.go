// Command netconf is a test program for the network card's configuration.
// It runs its arguments as steps, in order, and prints what each found:
//
//	addr HOST:PORT     the address the stack sends from to HOST:PORT (a UDP "dial": nothing is sent)
//	lookup NAME        net.LookupHost(NAME)
//	fetch URL          GET URL, print the body's first line
//	dial HOST:PORT     connect over TCP (retrying for 20 s: an IPv6 address
//	                   comes with the router's advertisement), print the
//	                   local address and the first line the server sends
//	mtu IFACE          print the interface's MTU (net.InterfaceByName)
//	files              print /etc/resolv.conf and /etc/hosts
//	serve              serve HTTP on :8080 ("netconf here") until killed
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	args := os.Args[1:]
	for len(args) > 0 {
		step := args[0]
		args = args[1:]
		arg := ""
		if step != "files" && step != "serve" {
			if len(args) == 0 {
				fmt.Fprintf(os.Stderr, "netconf: %s needs an argument\n", step)
				os.Exit(2)
			}
			arg, args = args[0], args[1:]
		}
		switch step {
		case "addr":
			c, err := net.Dial("udp", arg)
			if err != nil {
				fmt.Printf("addr %s: FAIL %v\n", arg, err)
				continue
			}
			host, _, _ := net.SplitHostPort(c.LocalAddr().String())
			fmt.Printf("addr %s: from %s\n", arg, host)
			c.Close()
		case "lookup":
			addrs, err := net.LookupHost(arg)
			if err != nil {
				fmt.Printf("lookup %s: FAIL %v\n", arg, err)
				continue
			}
			fmt.Printf("lookup %s: %s\n", arg, strings.Join(addrs, " "))
		case "mtu":
			ifi, err := net.InterfaceByName(arg)
			if err != nil {
				fmt.Printf("mtu %s: FAIL %v\n", arg, err)
				continue
			}
			fmt.Printf("mtu %s: %d\n", arg, ifi.MTU)
		case "fetch":
			fetch(arg)
		case "dial":
			dial(arg)
		case "files":
			for _, f := range []string{"/etc/resolv.conf", "/etc/hosts"} {
				b, err := os.ReadFile(f)
				fmt.Printf("%s: %q %v\n", f, b, err)
			}
		case "serve":
			http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "netconf here") })
			fmt.Println("serving on :8080")
			if err := http.ListenAndServe(":8080", nil); err != nil {
				fmt.Println("serve: FAIL", err)
				os.Exit(1)
			}
		default:
			fmt.Fprintf(os.Stderr, "netconf: unknown step %q\n", step)
			os.Exit(2)
		}
	}
}

func fetch(url string) {
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Printf("fetch %s: FAIL %v\n", url, err)
		return
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(io.LimitReader(resp.Body, 1<<10)).ReadString('\n')
	fmt.Printf("fetch %s: %s %q\n", url, resp.Status, strings.TrimSpace(line))
}

func dial(addr string) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			if time.Now().Before(deadline) {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			fmt.Printf("dial %s: FAIL %v\n", addr, err)
			return
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		host, _, _ := net.SplitHostPort(c.LocalAddr().String())
		fmt.Printf("dial %s: from %s: %q %v\n", addr, host, strings.TrimSpace(line), err)
		return
	}
}
