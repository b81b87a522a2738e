package ociruntime

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
)

// forwarded are the signals the container process hands to the app: a
// `docker stop`'s SIGTERM, `docker kill -s`'s others. SIGKILL cannot be
// caught: it ends the container process, and QEMU with it.
var forwarded = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// containerInit is the container process, started by create: it prepares
// the VM (so that create reports what is wrong), says "ok" on fd 3, waits
// for start at the exec FIFO, boots the VM with the stdio it inherited
// (the container's: the engine's pipes) and exits with the app's exit code.
func (r *runtime) containerInit(id string) int {
	ready := os.NewFile(3, "ready")
	fail := func(err error) int {
		fmt.Fprintf(ready, "error: %v\n", err)
		ready.Close()
		return 1
	}
	st, err := r.load(id)
	if err != nil {
		return fail(err)
	}
	if st.OwnNetwork {
		if err := ownSysfs(); err != nil {
			return fail(err)
		}
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	l, err := launch.Prepare(context.Background(), launch.Env{}, st.Config)
	if err != nil {
		return fail(err)
	}
	defer l.Release()
	// The container's stdin is the app's: docker run -i's pipe, the
	// terminal of -t, or /dev/null (end of file at once) otherwise.
	l.Spec.Stdin, l.Spec.Stdout, l.Spec.Stderr = os.Stdin, os.Stdout, os.Stderr
	fmt.Fprintln(ready, "ok")
	ready.Close()

	// Blocks until start opens the FIFO's other end; a signal before that
	// (the container is deleted without starting) ends the process.
	opened := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(filepath.Join(r.dir(id), execFifo), os.O_WRONLY, 0)
		if err == nil {
			_, err = f.Write([]byte{0})
			f.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		if err != nil {
			fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
			return 1
		}
	case sig := <-sigs:
		return 128 + int(sig.(syscall.Signal))
	}

	if st.OwnNetwork {
		// The engine's hooks have set the namespace up by now: share its
		// interface with the VM's card.
		netOpts, link, err := plumbNetwork(nameServers(st.ResolvConf))
		if err != nil {
			fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
			return vmm.CodeFailed
		}
		if netOpts != nil {
			if err := l.SetNetwork(netOpts); err != nil {
				fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
				return vmm.CodeFailed
			}
			l.Spec.Net.Guest.Link = linkGuest
			l.Spec.Listens = link.listen
			defer link.close()
		}
	}
	if err := jailVMM(filepath.Join(r.dir(id), vmmRoot), r.self, &l.Spec); err != nil {
		fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
		return vmm.CodeFailed
	}
	vm, err := l.Start(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
		return vmm.CodeFailed
	}
	// This process lives as long as the VM: what preparing it took goes
	// back to the host now (some 15 MiB a container), not at the
	// runtime's leisure.
	debug.FreeOSMemory()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				vm.Signal(int(sig.(syscall.Signal)))
			case <-done:
				return
			}
		}
	}()
	exit, err := vm.Wait()
	close(done)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
		return vmm.CodeFailed
	}
	if exit.Reason != vmm.Exited && exit.Reason != vmm.Signaled {
		fmt.Fprintf(os.Stderr, "unigo: %v\n", exit)
	}
	if outOfMemory(exit) {
		// As Linux's OOM killer ends a container: SIGKILL's status, and
		// the mark the containerd shim reports as the task's OOM event
		// (CRI's reason "OOMKilled").
		os.WriteFile(filepath.Join(r.dir(id), oomMark), nil, 0o644)
		return 128 + int(syscall.SIGKILL)
	}
	return exit.Code()
}

// vmmRoot, in the container's state directory, is where QEMU's view is
// mounted (jail.go).
const vmmRoot = "vmm-root"

// oomMark, in the container's state directory, says its VM ran out of
// memory.
const oomMark = "oom"

// outOfMemory reports whether the guest kernel ended the VM for want of
// memory (kernel/crash_unsafe.go's "out of memory").
func outOfMemory(e vmm.Exit) bool {
	return e.Reason == vmm.Crashed && e.Detail == "out of memory"
}
