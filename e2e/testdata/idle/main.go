// Command idle prints one line and then blocks forever: an idle unikernel.
package main

func main() {
	println("idle")
	select {}
}
