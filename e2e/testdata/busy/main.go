// Command busy sleeps half a second, then computes for two seconds in a
// known function, called from another known function, for the CPU
// profiler's test: the samples must land in hotLoop, with outer above it on
// the stack, and the sleep's as idle.
package main

import (
	"fmt"
	"time"
)

//go:noinline
func hotLoop(until time.Time) uint64 {
	x := uint64(1)
	for time.Now().Before(until) {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

//go:noinline
func outer() uint64 { return hotLoop(time.Now().Add(2 * time.Second)) }

func main() {
	time.Sleep(500 * time.Millisecond)
	fmt.Println("busy:", outer() != 0)
}
