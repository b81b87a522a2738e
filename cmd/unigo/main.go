// Command unigo turns Go programs into unikernels and runs them:
// `unigo build` makes a bootable image of a main package, `unigo run` boots
// one in a VM. The commands only parse their flags and call the packages that
// do the work (build, vmm, image), which tests call too.
package main

func main() { Execute() }
