// Command enosys makes a system call the kernel does not implement
// (io_uring_setup) and prints the error.
package main

import (
	"fmt"
	"syscall"
)

func main() {
	_, _, errno := syscall.Syscall(425, 0, 0, 0)
	fmt.Printf("errno=%d (%v)\n", errno, errno)
}
