// Command kernelname prints the release of the kernel it runs on (uname
// -r): unigo's kernel says "...-unigo", so a test can tell a unikernel
// from a container.
package main

import (
	"fmt"
	"syscall"
)

func main() {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		fmt.Println("uname:", err)
		return
	}
	var b []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	fmt.Printf("kernel %s\n", b)
}
