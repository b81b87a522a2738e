// Command argsenv prints its arguments and two environment variables.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("args=%q\n", os.Args[1:])
	fmt.Printf("GREETING=%q\n", os.Getenv("GREETING"))
	fmt.Printf("EMPTY=%q\n", os.Getenv("EMPTY"))
}
