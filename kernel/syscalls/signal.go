package syscalls

import (
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/threads"
)

func rtSigaction(sig int, act, old, size uintptr) int64 {
	if !signals.Valid(sig) || size != 8 {
		return -EINVAL
	}
	cur := signals.GetAction(sig)
	if act != 0 {
		var a signals.Action
		var ok [4]bool
		a.Handler, ok[0] = getU64(act)
		a.Flags, ok[1] = getU64(act + 8)
		a.Restorer, ok[2] = getU64(act + 16)
		a.Mask, ok[3] = getU64(act + 24)
		if !ok[0] || !ok[1] || !ok[2] || !ok[3] {
			return -EFAULT
		}
		if !signals.SetAction(sig, a) {
			return -EINVAL
		}
	}
	if old != 0 {
		if !putU64(old, cur.Handler) || !putU64(old+8, cur.Flags) || !putU64(old+16, cur.Restorer) || !putU64(old+24, cur.Mask) {
			return -EFAULT
		}
	}
	return 0
}

func rtSigprocmask(t *threads.Thread, how int, set, old, size uintptr) int64 {
	if size != 8 {
		return -EINVAL
	}
	prev := t.SigMask
	if set != 0 {
		m, ok := getU64(set)
		if !ok {
			return -EFAULT
		}
		switch how {
		case 0: // SIG_BLOCK
			signals.SetMask(t, prev|m)
		case 1: // SIG_UNBLOCK
			signals.SetMask(t, prev&^m)
		case 2: // SIG_SETMASK
			signals.SetMask(t, m)
		default:
			return -EINVAL
		}
	}
	if old != 0 && !putU64(old, prev) {
		return -EFAULT
	}
	return 0
}

func rtSigreturn(t *threads.Thread) int64 {
	if !signals.Return(t) {
		signals.Raise(t, signals.SIGSEGV, signals.SIKernel, 0)
	}
	return keepRAX
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
		if !putU64(old, t.AltSP) || !putU64(old+8, flags) || !putU64(old+16, t.AltSize) {
			return -EFAULT
		}
	}
	if ss != 0 {
		sp, ok1 := getU64(ss)
		flags, ok2 := getU32(ss + 8)
		size, ok3 := getU64(ss + 16)
		if !ok1 || !ok2 || !ok3 {
			return -EFAULT
		}
		if flags&ssDisable != 0 {
			t.AltSP, t.AltSize = 0, 0
			return 0
		}
		if size < 2048 {
			return -ENOMEM
		}
		t.AltSP, t.AltSize = sp, size
	}
	return 0
}

func kill(pid, sig int) int64 {
	if pid != threads.PID && pid != 0 && pid != -1 {
		return -ESRCH
	}
	if sig == 0 {
		return 0
	}
	if !signals.Valid(sig) {
		return -EINVAL
	}
	signals.RaiseProcess(sig, signals.SIUser)
	return 0
}

func tgkill(t *threads.Thread, tgid, tid int32, sig int) int64 {
	if tgid != threads.PID {
		return -ESRCH
	}
	target := threads.ByTID(tid)
	if target == nil {
		return -ESRCH
	}
	if sig == 0 {
		return 0
	}
	if !signals.Valid(sig) {
		return -EINVAL
	}
	signals.Raise(target, sig, signals.SITkill, 0)
	return 0
}
