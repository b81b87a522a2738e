// Command helper runs inside the baselines of `unigo bench compare`, where
// the host cannot look: it is built plain (CGO_ENABLED=0, static) from this
// source, which the bench package embeds, so it needs nothing but Go.
//
//	helper syscalls   print how many system calls the running kernel has
//	                  compiled in (run by the benchmark on the host, in a
//	                  private mount namespace)
//	helper cgexec CGROUP.PROCS PROGRAM ARGS...
//	                  join a cgroup, then execute PROGRAM (a native process
//	                  under a memory limit)
//
// As the /init of the Linux microVM baseline (process 1) it either counts
// the guest kernel's system calls the same way (no /app in the initramfs),
// or readies the guest and hands over to the app: it loads the drivers in
// /modules (in name order); with a virtio-net driver among them it
// configures eth0 for QEMU's user network (10.0.2.15/24) and announces
// itself to QEMU; with a /mounts file it mounts the disks listed there
// (mount.go); then it executes /app. If a disk cannot be mounted the app
// is not run: it would measure the initramfs instead of the disk.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	switch {
	case len(os.Args) > 1 && os.Args[1] == "syscalls":
		if err := printSyscalls(); err != nil {
			fmt.Fprintln(os.Stderr, "unigo-bench: syscalls:", err)
			os.Exit(1)
		}
	case len(os.Args) > 3 && os.Args[1] == "cgexec":
		// Join a cgroup (by writing to its cgroup.procs), then become the app.
		if err := os.WriteFile(os.Args[2], []byte("0"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "unigo-bench: cgexec:", err)
			os.Exit(126)
		}
		err := syscall.Exec(os.Args[3], os.Args[3:], os.Environ())
		fmt.Fprintln(os.Stderr, "unigo-bench: cgexec:", err)
		os.Exit(127)
	case os.Getpid() == 1:
		if _, err := os.Stat("/app"); err == nil {
			if err := loadModules(); err != nil {
				fmt.Println("unigo-bench: modules:", err)
			}
			if m, _ := filepath.Glob("/modules/*virtio_net.ko"); len(m) > 0 {
				if err := netUp(); err != nil {
					fmt.Println("unigo-bench: network:", err)
				}
			}
			if err := mountDisks(); err != nil {
				fmt.Println("unigo-bench: mount:", err)
			} else {
				err := syscall.Exec("/app", []string{"/app"}, os.Environ())
				fmt.Println("unigo-bench: exec /app:", err)
			}
		} else if err := printSyscalls(); err != nil {
			fmt.Println("unigo-bench: syscalls:", err)
		}
		for { // process 1 must not exit
			time.Sleep(time.Hour)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: helper syscalls | helper cgexec CGROUP.PROCS PROGRAM ARGS...")
		os.Exit(2)
	}
}

// printSyscalls prints "unigo-bench: syscalls N": the number of system
// calls that have a sys_enter tracepoint, i.e. that the running kernel
// was built with (SYSCALL_DEFINE; calls configured out have none).
func printSyscalls() error {
	dir, err := tracefs()
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(filepath.Join(dir, "events", "syscalls"))
	if err != nil {
		return fmt.Errorf("the kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS): %w", err)
	}
	n := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "sys_enter_") {
			n++
		}
	}
	fmt.Printf("unigo-bench: syscalls %d\n", n)
	return nil
}

// tracefs returns where tracefs is mounted, mounting it if it is not.
func tracefs() (string, error) {
	for _, d := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		if _, err := os.Stat(filepath.Join(d, "events")); err == nil {
			return d, nil
		}
	}
	d, err := os.MkdirTemp("", "tracefs-")
	if err != nil {
		d = "/tracefs"
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	if err := syscall.Mount("nodev", d, "tracefs", 0, ""); err != nil {
		return "", fmt.Errorf("mounting tracefs: %w", err)
	}
	return d, nil
}
