// Command nilderef dereferences a nil pointer: Go must turn the fault into a
// panic, which it recovers from once, then lets a second one crash.
package main

import "fmt"

type node struct{ next *node }

//go:noinline
func deref(n *node) *node { return n.next }

func main() {
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		deref(nil)
	}()
	deref(nil)
}
