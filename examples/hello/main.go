// Command hello is the smallest unigo example: an ordinary Go program.
package main

import "fmt"

func main() {
	fmt.Println("Hello from a unigo unikernel!")
}
