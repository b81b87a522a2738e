// Command sigterm waits for SIGTERM (as `unigo stop` sends it), says so and
// exits 0. With the argument "nohandler" it installs no handler, so Go's
// default action ends it with the signal (exit status 128+15).
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "nohandler" {
		fmt.Println("ready")
		for {
			time.Sleep(time.Hour)
		}
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("ready")
	s := <-c
	fmt.Println("got", s)
}
