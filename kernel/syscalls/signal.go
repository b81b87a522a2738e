package syscalls

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/syscalls/filecalls"
	"unigo.dev/unigo/kernel/threads"
)

func rtSigaction(t *threads.Thread, sig int, act, old, size uintptr) int64 {
	if !signals.Valid(sig) || size != 8 {
		return -abi.EINVAL
	}
	cur := signals.GetAction(t.Proc, sig)
	if act != 0 {
		var a signals.Action
		var ok [4]bool
		a.Handler, ok[0] = abi.GetU64(act)
		a.Flags, ok[1] = abi.GetU64(act + 8)
		a.Restorer, ok[2] = abi.GetU64(act + 16)
		a.Mask, ok[3] = abi.GetU64(act + 24)
		if !ok[0] || !ok[1] || !ok[2] || !ok[3] {
			return -abi.EFAULT
		}
		if !signals.SetAction(t.Proc, sig, a) {
			return -abi.EINVAL
		}
	}
	if old != 0 {
		if !abi.PutU64(old, cur.Handler) || !abi.PutU64(old+8, cur.Flags) || !abi.PutU64(old+16, cur.Restorer) || !abi.PutU64(old+24, cur.Mask) {
			return -abi.EFAULT
		}
	}
	return 0
}

func rtSigprocmask(t *threads.Thread, how int, set, old, size uintptr) int64 {
	if size != 8 {
		return -abi.EINVAL
	}
	prev := t.SigMask
	if set != 0 {
		m, ok := abi.GetU64(set)
		if !ok {
			return -abi.EFAULT
		}
		switch how {
		case 0: // SIG_BLOCK
			signals.SetMask(t, prev|m)
		case 1: // SIG_UNBLOCK
			signals.SetMask(t, prev&^m)
		case 2: // SIG_SETMASK
			signals.SetMask(t, m)
		default:
			return -abi.EINVAL
		}
	}
	if old != 0 && !abi.PutU64(old, prev) {
		return -abi.EFAULT
	}
	return 0
}

func rtSigreturn(t *threads.Thread) int64 {
	if !signals.Return(t) {
		signals.Raise(t, signals.SIGSEGV, signals.SIKernel, 0)
	}
	return abi.KeepRAX
}

func sigaltstack(t *threads.Thread, ss, old uintptr) int64 {
	const (
		ssOnStack = 1
		ssDisable = 2
	)
	if old != 0 {
		flags := uint64(0)
		if t.AltSize == 0 {
			flags = ssDisable
		}
		if !abi.PutU64(old, t.AltSP) || !abi.PutU64(old+8, flags) || !abi.PutU64(old+16, t.AltSize) {
			return -abi.EFAULT
		}
	}
	if ss != 0 {
		sp, ok1 := abi.GetU64(ss)
		flags, ok2 := abi.GetU32(ss + 8)
		size, ok3 := abi.GetU64(ss + 16)
		if !ok1 || !ok2 || !ok3 {
			return -abi.EFAULT
		}
		if flags&ssDisable != 0 {
			t.AltSP, t.AltSize = 0, 0
			return 0
		}
		if size < 2048 {
			return -abi.ENOMEM
		}
		t.AltSP, t.AltSize = sp, size
	}
	return 0
}

func kill(pid, sig int) int64 {
	if pid != threads.PID && pid != 0 && pid != -1 {
		return -abi.ESRCH
	}
	if sig == 0 {
		return 0
	}
	if !signals.Valid(sig) {
		return -abi.EINVAL
	}
	signals.RaiseProcess(sig, signals.SIUser)
	return 0
}

func tgkill(t *threads.Thread, tgid, tid int32, sig int) int64 {
	if tgid != threads.PID {
		return -abi.ESRCH
	}
	target := threads.ByTID(tid)
	if target == nil {
		return -abi.ESRCH
	}
	if sig == 0 {
		return 0
	}
	if !signals.Valid(sig) {
		return -abi.EINVAL
	}
	signals.Raise(target, sig, signals.SITkill, 0)
	return 0
}

// sigWait is the wait channel of pause and rt_sigsuspend: nothing wakes it
// but a signal (signals.Raise ends the wait with EINTR).
var sigWait byte

// pause waits for a signal whose handler runs; it returns EINTR.
func pause(t *threads.Thread) int64 {
	threads.Block(t, abi.AddrOf(&sigWait), 0, -abi.EINTR)
	return abi.Blocked
}

// rtSigsuspend waits for a signal with the mask at set in place of the
// thread's; the handler's frame saves the thread's own, which rt_sigreturn
// puts back. It returns EINTR.
func rtSigsuspend(t *threads.Thread, set, size uintptr) int64 {
	if size != 8 {
		return -abi.EINVAL
	}
	m, ok := abi.GetU64(set)
	if !ok {
		return -abi.EFAULT
	}
	t.SuspendMask, t.Suspended = t.SigMask, true
	signals.SetMask(t, m)
	if t.SigPending&^t.SigMask != 0 {
		return -abi.EINTR // one is pending already: its handler runs on the way out
	}
	return pause(t)
}

// rtSigtimedwait takes a signal of set that is pending (the caller blocks
// them, as sigwait requires) and returns its number, writing its siginfo;
// it waits for one until the timeout (nil: for ever; zero: not at all,
// EAGAIN). Raising a watched signal wakes it to look again
// (signals.Watch, as signalfd's readers), its deadline kept.
func rtSigtimedwait(t *threads.Thread, set, info, timeout, size uintptr) int64 {
	if size != 8 {
		return -abi.EINVAL
	}
	mask, ok := abi.GetU64(set)
	if !ok {
		return -abi.EFAULT
	}
	mask &^= 1<<(signals.SIGKILL-1) | 1<<(signals.SIGSTOP-1)
	if sig, in := signals.Dequeue(t, mask); sig != 0 {
		if info != 0 {
			b, ok := abi.UserBytes(info, 128, true)
			if !ok {
				return -abi.EFAULT
			}
			clear(b)
			abi.PutLE32(b[0:], uint32(sig))     // si_signo
			abi.PutLE32(b[8:], uint32(in.Code)) // si_code
			if in.Code == signals.SIUser || in.Code == signals.SITkill {
				abi.PutLE32(b[16:], threads.PID) // si_pid; si_uid stays 0
			} else {
				abi.PutLE64(b[16:], in.Addr) // si_addr
			}
		}
		return int64(sig)
	}
	var deadline int64
	if timeout != 0 {
		d, ok := timespec(timeout)
		if !ok {
			return -abi.EINVAL
		}
		if d == 0 {
			return -abi.EAGAIN
		}
		deadline = clock.Nanotime() + d
	}
	if d, ok := t.RestartDeadline(); ok {
		deadline = d
	}
	signals.Watch(mask, filecalls.PollKey())
	threads.Block(t, filecalls.PollKey(), deadline, -abi.EAGAIN)
	return abi.Blocked
}
