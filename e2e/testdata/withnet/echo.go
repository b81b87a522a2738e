// Package withnet is a library that uses the network, with tests, for
// `unigo test`: the test binary gets the kernel's network stack.
package withnet

import (
	"bufio"
	"net"
	"strings"
)

// Serve answers each line sent to l with the line in capitals, one
// connection at a time, until l is closed.
func Serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				c.Write([]byte(strings.ToUpper(sc.Text()) + "\n"))
			}
		}()
	}
}
