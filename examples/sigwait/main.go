// Command sigwait prints one line, then waits for SIGTERM (or SIGINT) and
// exits with status 0 at once: the well-behaved service `unigo bench
// instance` starts and stops, so that a stop measures the machinery
// (unigo stop, docker stop), not the app's shutdown.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	// Before the line: a signal sent as soon as the line is seen is caught.
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	fmt.Println("sigwait ready")
	<-sigs
	os.Exit(0)
}
