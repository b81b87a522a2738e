package ociruntime

import (
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"

	"golang.org/x/sys/unix"

	"unigo.dev/unigo/vmm"
)

// QEMU confined to a file view of its own, as Firecracker's jailer and
// Kata confine their VMMs: the container process (in its own mount
// namespace) makes a root holding only what QEMU needs — the host's
// programs and libraries read-only (QEMU, its firmware and what it loads),
// a handful of device nodes, and the files the VM's spec names (the image,
// its disks and shared directories) at their own paths — and QEMU starts
// through VMMArg (vmm.Spec.Confine), in new PID and mount namespaces: that
// command, the namespace's first process, mounts a /proc of the new PID
// namespace in the root (QEMU's 9P server reaches files through
// /proc/self/fd; the host's processes are not in it), makes the root its
// own and executes QEMU, which runs under its seccomp sandbox too. The
// host's /etc, /home, /root, /var, /run, its processes and other
// containers' files are not in QEMU's view.

// VMMArg is the hidden command that confines and executes the VMM:
// VMMArg ROOT PROGRAM ARGS...
const VMMArg = "__vmm"

// jailSystem are the host's directories of programs and libraries, read-only
// in the view (or the symlinks they are, on merged-/usr systems).
var jailSystem = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// jailFiles are single files of the host the dynamic loader reads.
var jailFiles = []string{"/etc/ld.so.cache"}

// jailDevices are the device nodes QEMU may open: the usual character
// devices, KVM, and the tap devices' clone device.
var jailDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/kvm", "/dev/net/tun"}

// jailVMM makes the view at dir, a tmpfs of this process's private mount
// namespace (gone with it), and has spec's VMM start confined to it,
// through self's VMMArg.
func jailVMM(dir string, self []string, spec *vmm.Spec) error {
	fail := func(err error) error { return fmt.Errorf("confining QEMU: %w", err) }
	// Mounts made here must not propagate to the host's namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=1m"); err != nil {
		return fail(err)
	}
	for _, p := range jailSystem {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return fail(err)
			}
			if err := os.Symlink(target, filepath.Join(dir, p)); err != nil {
				return fail(err)
			}
			continue
		}
		if err := bindInto(dir, p, true); err != nil {
			return fail(err)
		}
	}
	for _, p := range append(append([]string{}, jailFiles...), jailDevices...) {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if err := bindInto(dir, p, false); err != nil {
			return fail(err)
		}
	}
	if err := bindInto(dir, spec.Image, true); err != nil {
		return fail(err)
	}
	if spec.Initrd != "" {
		if err := bindInto(dir, spec.Initrd, true); err != nil {
			return fail(err)
		}
	}
	for _, d := range spec.Disks {
		if err := bindInto(dir, d.Path, d.ReadOnly); err != nil {
			return fail(err)
		}
	}
	for _, s := range spec.Shares {
		if err := bindInto(dir, s.Path, s.ReadOnly); err != nil {
			return fail(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "proc"), 0o555); err != nil {
		return fail(err)
	}
	spec.Confine = append(append([]string{}, self...), VMMArg, dir)
	return nil
}

// enterJail is VMMArg: in the VMM's new PID and mount namespaces, it
// mounts their /proc in root, makes root the process's root and executes
// the VMM (args: its program and arguments). It returns only on failure.
func enterJail(root string, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s ROOT PROGRAM ARGS...", VMMArg)
	}
	// The VMM must die with the container process, as the parent-death
	// signal its starter set says; but that is a property of the thread
	// it was set on, this process's first, and the execve below may run
	// on another (a new thread starts without it), which would leave the
	// VMM running when the container process is killed. So this thread,
	// the one that executes the VMM, gets it too. (Should the container
	// process die before this, the first thread's signal ends this one.)
	goruntime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("confining the VMM: %w", err)
	}
	if err := unix.Mount("proc", filepath.Join(root, "proc"), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("confining the VMM: /proc: %w", err)
	}
	if err := unix.Chroot(root); err != nil {
		return fmt.Errorf("confining the VMM: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("confining the VMM: %w", err)
	}
	return unix.Exec(args[0], args, os.Environ())
}

// bindInto bind-mounts the host's path at the same path under root
// (read-only when ro), making what the mount point needs: the directories
// above it, and an empty file or directory as its mount point.
func bindInto(root, path string, ro bool) error {
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	dst := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if fi.IsDir() {
		err = os.MkdirAll(dst, 0o755)
	} else if f, ferr := os.OpenFile(dst, os.O_CREATE|os.O_RDONLY, 0o644); ferr == nil {
		f.Close()
	} else {
		err = ferr
	}
	if err != nil {
		return err
	}
	if err := unix.Mount(path, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if ro {
		if err := unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("%s read-only: %w", path, err)
		}
	}
	return nil
}
