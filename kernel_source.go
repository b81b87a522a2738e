// Package unigo holds what the unigo tool carries inside itself: the guest
// kernel's source, which `unigo build` links into every image.
package unigo

import "embed"

// KernelSource is the source tree of the guest kernel (package
// unigo.dev/unigo/kernel and below), rooted so that its paths begin with
// "kernel/". unigo build extracts it into a cache directory as a module of
// its own, so an app in any module on disk can be built with it, without its
// go.mod ever naming unigo.
//
//go:embed kernel
var KernelSource embed.FS

// GoMod and GoSum are unigo's own go.mod and go.sum. The kernel's network
// stack (kernel/netstack) uses gVisor: an app that links it builds the
// kernel as a module that requires the versions unigo was built and tested
// with, checked against these sums.
//
//go:embed go.mod
var GoMod []byte

//go:embed go.sum
var GoSum []byte
