// Command gohello is an ordinary Go program, built without unigo
// (CGO_ENABLED=0 go build) and booted unmodified: goroutines, a sleep, its
// own executable's path, and the exit code given as its first argument.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	fmt.Printf("args=%q\n", os.Args)
	exe, err := os.Executable()
	fmt.Printf("exe=%s err=%v\n", exe, err)

	var wg sync.WaitGroup
	results := make(chan int, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Millisecond)
			results <- i
		}()
	}
	wg.Wait()
	close(results)
	sum := 0
	for r := range results {
		sum += r
	}
	fmt.Printf("goroutines: sum=%d\n", sum)

	start := time.Now()
	time.Sleep(50 * time.Millisecond)
	slept := time.Since(start)
	fmt.Printf("slept at least 50ms: %v\n", slept >= 50*time.Millisecond)

	code := 0
	if len(os.Args) > 1 {
		code, _ = strconv.Atoi(os.Args[1])
	}
	fmt.Printf("exiting with %d\n", code)
	os.Exit(code)
}
