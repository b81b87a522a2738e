package syscalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/devices/power"
	"unigo.dev/unigo/kernel/klog"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/syscalls/netcalls"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// clone flags.
const (
	cloneVM            = 0x100
	cloneThread        = 0x10000
	cloneSetTLS        = 0x80000
	cloneParentSetTID  = 0x100000
	cloneChildClearTID = 0x200000
	cloneChildSetTID   = 0x1000000
)

// clone creates a thread in the same address space (what the Go runtime's
// newosproc does). New processes are refused: one program per unikernel.
func clone(t *threads.Thread, flags uint64, stack, ptid, ctid, tls uintptr) int64 {
	if flags&cloneThread == 0 || flags&cloneVM == 0 {
		return -abi.ENOSYS
	}
	nt := threads.New()
	if nt == nil {
		return -abi.EAGAIN
	}
	nt.Frame = t.Frame
	*nt.FXBytes() = *t.FXBytes()
	nt.Frame.RAX = 0
	if stack != 0 {
		nt.Frame.RSP = uint64(stack)
	}
	nt.FSBase = t.FSBase
	if flags&cloneSetTLS != 0 {
		nt.FSBase = uint64(tls)
	}
	nt.SigMask = t.SigMask
	nt.Proc = t.Proc
	nt.Name, nt.TimerSlack = t.Name, t.TimerSlack // inherited, as Linux's comm and timer slack
	if flags&cloneParentSetTID != 0 {
		abi.PutU32(ptid, uint32(nt.TID))
	}
	if flags&cloneChildSetTID != 0 {
		abi.PutU32(ctid, uint32(nt.TID))
	}
	if flags&cloneChildClearTID != 0 {
		nt.ClearTID = ctid
	}
	return int64(nt.TID)
}

func exitThread(t *threads.Thread, code int) int64 {
	if t.ClearTID != 0 && abi.PutU32(t.ClearTID, 0) {
		threads.FutexWake(t.ClearTID, 1)
	}
	threads.Exit(t)
	if threads.LiveIn(threads.App) == 0 {
		vfs.Unmount()
		power.Exit(code)
	}
	return abi.Exits
}

func exitGroup(t *threads.Thread, code int) int64 {
	if t.Proc == threads.Service {
		// The kernel's own runtime (the network stack of an unmodified
		// executable's image) gave up: its report is on stderr above.
		klog.Line("the kernel's network stack ended (its Go runtime exited): the program cannot go on")
		power.Crash("service exited")
	}
	if ShowStats {
		klog.Str("unigo: stats: ")
		klog.Dec(int64(Count))
		klog.Str(" system calls, ")
		klog.Dec(int64(memory.Faults()))
		klog.Str(" page faults, ")
		used, _ := memory.Usage()
		klog.Dec(int64(used * memory.PageSize >> 10))
		klog.Str(" KiB of RAM in use, exit at ")
		klog.Micros(clock.Nanotime())
		klog.Str(" s\n")
		netcalls.NICStats()
	}
	vfs.Unmount() // what the app wrote reaches the disk, as Linux writes back a dead process's files
	power.Exit(code)
	return 0
}

// futex operations.
const (
	futexWait       = 0
	futexWake       = 1
	futexRequeue    = 3
	futexCmpRequeue = 4
	futexWaitBitset = 9
	futexWakeBitset = 10
	futexPrivate    = 128
	futexRealtime   = 256
)

func futex(t *threads.Thread, a *[6]uintptr) int64 {
	addr, op, val, ts := a[0], int(a[1]), uint32(a[2]), a[3]
	if addr&3 != 0 {
		return -abi.EINVAL
	}
	switch op &^ (futexPrivate | futexRealtime) {
	case futexWait, futexWaitBitset:
		cur, ok := abi.GetU32(addr)
		if !ok {
			return -abi.EFAULT
		}
		if cur != val {
			return -abi.EAGAIN
		}
		var deadline int64
		if ts != 0 {
			d, ok := timespec(ts)
			if !ok {
				return -abi.EFAULT
			}
			if op&^(futexPrivate|futexRealtime) == futexWait {
				deadline = clock.Nanotime() + d // relative
			} else if op&futexRealtime != 0 {
				deadline = d - (clock.Realtime() - clock.Nanotime())
			} else {
				deadline = d
			}
			if deadline <= 0 {
				deadline = 1
			}
		}
		threads.Block(t, addr, deadline, -abi.ETIMEDOUT)
		return abi.Blocked
	case futexWake, futexWakeBitset:
		return int64(threads.FutexWake(addr, int(val)))
	case futexRequeue, futexCmpRequeue:
		// The fourth argument is the number to requeue, not a timeout.
		addr2 := a[4]
		if addr2&3 != 0 || int32(val) < 0 || int32(ts) < 0 {
			return -abi.EINVAL
		}
		if op&^(futexPrivate|futexRealtime) == futexCmpRequeue {
			cur, ok := abi.GetU32(addr)
			if !ok {
				return -abi.EFAULT
			}
			if cur != uint32(a[5]) {
				return -abi.EAGAIN
			}
		}
		return int64(threads.FutexRequeue(addr, addr2, int(val), int(int32(ts))))
	}
	return -abi.ENOSYS
}

func schedGetaffinity(size, mask uintptr) int64 {
	if size < 8 {
		return -abi.EINVAL
	}
	if !abi.PutU64(mask, 1) { // one CPU
		return -abi.EFAULT
	}
	return 8
}

const (
	archSetFS = 0x1002
	archGetFS = 0x1003
)

func archPrctl(t *threads.Thread, code int, addr uintptr) int64 {
	switch code {
	case archSetFS:
		t.FSBase = uint64(addr)
		return 0
	case archGetFS:
		if !abi.PutU64(addr, t.FSBase) {
			return -abi.EFAULT
		}
		return 0
	}
	return -abi.EINVAL
}

// ShowStats, when set (debug.boottime), prints counters at exit.
var ShowStats bool
