// Command panic panics with a message a test looks for.
package main

func main() {
	defer println("deferred call ran")
	panic("something went wrong on purpose")
}
