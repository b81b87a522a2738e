// Command sleep sleeps 100 ms and reports how long that took by the monotonic clock.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("start")
	t0 := time.Now()
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("slept_ns=%d\n", time.Since(t0).Nanoseconds())
}
