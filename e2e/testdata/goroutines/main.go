// Command goroutines passes a token through a ring of 10,000 goroutines and
// sums work done by many more, to exercise the scheduler, futexes and the GC.
package main

import (
	"fmt"
	"sync"
)

func main() {
	const n = 10000
	first := make(chan int)
	in := first
	for i := 0; i < n; i++ {
		out := make(chan int)
		go func(in <-chan int, out chan<- int) { out <- 1 + <-in }(in, out)
		in = out
	}
	first <- 0
	hops := <-in

	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := make([]int, 64)
			for j := range s {
				s[j] = i
			}
			mu.Lock()
			total += s[63]
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	fmt.Printf("hops=%d total=%d\n", hops, total)
}
