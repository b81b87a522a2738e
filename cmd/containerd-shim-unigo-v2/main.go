// Command containerd-shim-unigo-v2 is unigo's containerd shim: the runtime
// io.containerd.unigo.v2 of containerd and of Kubernetes' RuntimeClass.
// See package shim.
package main

import "unigo.dev/unigo/shim"

func main() { shim.Main() }
