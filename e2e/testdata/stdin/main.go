// Command stdin reads its standard input to the end and prints how many
// bytes it got, their SHA-256, and the first line; it is the test of
// `unigo run -i` and `docker run -i`.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

func main() {
	b, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	fmt.Printf("read %d bytes, sha256 %x, first line %q\n", len(b), sha256.Sum256(b), first)
}
