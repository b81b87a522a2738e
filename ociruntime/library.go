package ociruntime

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"unigo.dev/unigo/oci"
)

// The runtime as a library, for front ends that manage containers
// themselves: the containerd shim (package shim) creates, starts, signals
// and deletes its unigo containers through the same states and container
// process as `unigo runtime`.

// Stdio is a container's standard input, output and error.
type Stdio struct{ In, Out, Err *os.File }

// Runtime manages the containers under one root directory.
type Runtime struct{ r *runtime }

// New is the runtime with its states under root; self is how to run the
// runtime's command again (the container process is `self... __init ID`).
func New(root string, self []string) *Runtime {
	return &Runtime{r: &runtime{root: root, logFormat: "text", self: self}}
}

// Create creates container id from the bundle (config.json, its root file
// system mounted), its process started with stdio and ready to boot, the
// network namespace the spec names joined; it returns that process's pid,
// whose exit status is the app's.
func (rt *Runtime) Create(id, bundle string, stdio Stdio) (int, error) {
	return rt.r.createContainer(id, bundle, "", "", stdio)
}

// Start lets the container process boot the VM.
func (rt *Runtime) Start(id string) error { return rt.r.start(id) }

// Signal sends sig to the container process, which hands it to the app
// (SIGKILL ends the container process and the VM with it).
func (rt *Runtime) Signal(id string, sig syscall.Signal) error {
	st, err := rt.r.load(id)
	if err != nil {
		return err
	}
	if s := rt.r.status(st); s != "created" && s != "running" {
		return fmt.Errorf("container %s is not running", id)
	}
	return syscall.Kill(st.Init.Pid, sig)
}

// Delete removes the container's state, killing its process first if it
// still runs.
func (rt *Runtime) Delete(id string) error { return rt.r.delete([]string{"--force", id}) }

// Status is the container's OCI status: creating, created, running or
// stopped.
func (rt *Runtime) Status(id string) (string, error) {
	st, err := rt.r.load(id)
	if err != nil {
		return "", err
	}
	return rt.r.status(st), nil
}

// OutOfMemory reports whether container id's VM ended because the app ran
// out of memory (its exit status is then 137, as for Linux's OOM killer).
func (rt *Runtime) OutOfMemory(id string) bool {
	_, err := os.Stat(filepath.Join(rt.r.dir(id), oomMark))
	return err == nil
}

// IsUnigoRoot reports whether a root file system holds a unigo image.
func IsUnigoRoot(rootfs string) bool {
	_, err := os.Stat(strings.TrimSuffix(rootfs, "/") + oci.DescriptorPath)
	return err == nil
}

// startIn starts cmd in the network namespace at path: from a thread of
// its own that joins the namespace, so the child is born in it; the
// thread is thrown away after (its goroutine ends locked), so no other
// goroutine ever runs in that namespace.
func startIn(path string, cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		f, err := os.Open(path)
		if err != nil {
			done <- fmt.Errorf("the pod's network namespace: %w", err)
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("joining the network namespace %s: %w", path, err)
			return
		}
		done <- cmd.Start()
	}()
	return <-done
}
