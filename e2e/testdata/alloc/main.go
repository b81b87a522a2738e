// Command alloc allocates 1 GiB in total, 1 MiB at a time, keeping only a
// little alive: the GC must return memory for this to fit a 64 MiB VM.
package main

import (
	"fmt"
	"runtime"
)

var keep [][]byte

func main() {
	const chunk = 1 << 20
	sum := 0
	for i := 0; i < 1024; i++ {
		b := make([]byte, chunk)
		b[i%chunk] = byte(i)
		sum += int(b[i%chunk])
		keep = append(keep, b)
		if len(keep) > 4 {
			keep = keep[1:]
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("allocated_mib=%d numgc=%d sum=%d\n", ms.TotalAlloc>>20, ms.NumGC, sum)
}
