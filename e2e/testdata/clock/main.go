// Command clock prints the wall clock as Unix nanoseconds.
package main

import (
	"fmt"
	"time"
)

func main() { fmt.Printf("unix_ns=%d\n", time.Now().UnixNano()) }
