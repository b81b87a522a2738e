// Command idle prints one line and then blocks forever, doing nothing: the
// app `unigo bench boot` uses to measure how much host CPU an idle VM costs.
//
// It sleeps rather than `select {}`: with no other goroutine and no timer,
// the Go runtime reports a blocked main as a deadlock and exits.
package main

import "time"

func main() {
	println("idle")
	for {
		time.Sleep(time.Hour)
	}
}
