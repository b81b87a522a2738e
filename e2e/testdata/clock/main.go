// Command clock prints the wall clock as Unix nanoseconds, then checks that
// the clocks the runtime reads through the vDSO agree with the
// clock_gettime system call: each system-call reading lies between two
// vDSO readings taken around it.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// sysClock reads a clock with the system call itself.
func sysClock(id uintptr) int64 {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		fmt.Println("clock_gettime:", e)
		os.Exit(1)
	}
	return ts.Nano()
}

func main() {
	fmt.Printf("unix_ns=%d\n", time.Now().UnixNano())

	const realtime, monotonic = 0, 1
	before := time.Now().UnixNano()
	sys := sysClock(realtime)
	after := time.Now().UnixNano()
	if sys < before || sys > after {
		fmt.Printf("realtime: system call %d outside the vDSO's [%d, %d]\n", sys, before, after)
		os.Exit(1)
	}
	// Two vDSO readings (time.Now carries the monotonic one) between two
	// system-call readings: their interval lies inside the calls'.
	m0 := sysClock(monotonic)
	start := time.Now()
	elapsed := time.Since(start)
	m1 := sysClock(monotonic)
	if d := time.Duration(m1 - m0); elapsed < 0 || elapsed > d {
		fmt.Printf("monotonic: the vDSO saw %v inside the system call's %v\n", elapsed, d)
		os.Exit(1)
	}
	fmt.Println("vdso clocks agree with clock_gettime")
}
