// Command randomness reads crypto/rand twice and checks the bytes differ.
package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
)

func main() {
	a, b := make([]byte, 32), make([]byte, 32)
	if _, err := rand.Read(a); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	rand.Read(b)
	fmt.Printf("random=%x distinct=%v\n", a, !bytes.Equal(a, b))
}
