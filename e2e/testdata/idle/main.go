// Command idle prints one line and then waits forever: an idle unikernel.
// (A bare select{} would be reported by Go as a deadlock.)
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("idle")
	for {
		time.Sleep(time.Hour)
	}
}
