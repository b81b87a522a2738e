// Command pause is the containerd tests' pod sandbox (their pause image: no
// registry is reachable here): built as a static Linux program, it waits
// for SIGTERM or SIGINT and exits 0. It is a plain container, run by runc.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
}
