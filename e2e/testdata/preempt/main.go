// Command preempt keeps a goroutine spinning in a loop with no function calls
// while main sleeps and then prints: with one CPU, main only runs again if
// the runtime can preempt the spinner (Go does it with SIGURG signals).
package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

var counter uint64

func spin() {
	for {
		atomic.AddUint64(&counter, 1)
	}
}

func main() {
	fmt.Println("GOMAXPROCS", runtime.GOMAXPROCS(0))
	go spin()
	time.Sleep(50 * time.Millisecond)
	for i := 0; i < 3; i++ {
		runtime.Gosched()
	}
	fmt.Println("main ran again; spinner made progress:", atomic.LoadUint64(&counter) > 0)
}
