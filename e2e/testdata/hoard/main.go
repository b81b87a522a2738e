// Command hoard allocates memory and keeps it all, touching every page,
// until the VM runs out: the instance must end "crashed: out of memory".
package main

import "fmt"

var kept [][]byte

func main() {
	for i := 1; ; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i)
		}
		kept = append(kept, b)
		if i%8 == 0 {
			fmt.Printf("holding %d MiB\n", i)
		}
	}
}
