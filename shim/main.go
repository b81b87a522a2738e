// Package shim is unigo's containerd shim v2 (containerd-shim-unigo-v2, the
// runtime io.containerd.unigo.v2), built on containerd's shim library
// (github.com/containerd/containerd v1.7's runtime/v2/shim, whose protocol
// containerd 1.6 and 1.7 speak: task API v2 over ttrpc).
//
// One shim serves a pod (containers are grouped by the
// io.kubernetes.cri.sandbox-id annotation, as containerd's runc shim groups
// them). A container whose root file system holds a unigo image is a VM,
// made through package ociruntime (the bundle's translation into a
// launch.Config, the container process, the pod's network handed to the
// VM's card): the same path as `unigo runtime`. Every other container of
// the pod — the pause container, sidecars — is handed to containerd's own
// runc shim (containerd-shim-runc-v2), which this shim starts for the pod
// and calls as containerd would (runc.go).
package shim

import (
	"context"
	"fmt"
	"os"

	cdshim "github.com/containerd/containerd/runtime/v2/shim"

	"unigo.dev/unigo/ociruntime"
)

// RuntimeName is the runtime type containerd knows the shim by.
const RuntimeName = "io.containerd.unigo.v2"

// runtimeArg is the hidden first argument under which the shim's binary is
// the OCI runtime's command (for the container process, ociruntime.InitArg).
const runtimeArg = "__runtime"

// Main runs the shim: containerd's start, delete and serve actions, or
// the container process when the binary is started as runtimeArg.
func Main() {
	if len(os.Args) > 1 && os.Args[1] == runtimeArg {
		os.Exit(ociruntime.Main(self(), os.Args[2:]))
	}
	registerTaskService()
	cdshim.RunManager(context.Background(), newManager())
}

// self is how to run this binary's OCI runtime again.
func self() []string {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "containerd-shim-unigo-v2: %v\n", err)
		os.Exit(1)
	}
	return []string{exe, runtimeArg}
}
