// Command ignoreterm ignores SIGTERM and idles: only a power-off ends it
// (`unigo stop` after its --time).
package main

import (
	"fmt"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	signal.Ignore(syscall.SIGTERM)
	fmt.Println("ready, ignoring SIGTERM")
	for {
		time.Sleep(time.Hour)
	}
}
