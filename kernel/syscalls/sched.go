package syscalls

import (
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// Scheduling policy and priority: the sched_* calls and getpriority and
// setpriority, which C and Rust runtimes and thread pools ask about. One
// CPU runs every thread in turn (package threads), so nothing here changes
// how threads run: the calls answer as Linux answers a process without
// privilege (no CAP_SYS_NICE, RLIMIT_RTPRIO 0) under SCHED_OTHER at nice
// 0, and remember what such a process may set, for the whole app, so that
// it reads back what it set.

// Scheduling policies and priorities.
const (
	schedOther       = 0
	schedFIFO        = 1
	schedRR          = 2
	schedBatch       = 3
	schedIdle        = 5
	schedDeadline    = 6
	schedResetOnFork = 0x40000000
	rtPriorityMin    = 1
	rtPriorityMax    = 99
)

// getpriority's and setpriority's which, and the range of nice values.
const (
	prioProcess = 0
	prioPgrp    = 1
	prioUser    = 2
	niceMin     = -20
	niceMax     = 19
)

// sched is the app's policy (with SCHED_RESET_ON_FORK) and nice value.
var sched struct {
	policy int
	nice   int
}

// schedTarget checks the pid of a sched_* call: 0, the app or one of its
// threads; negative is EINVAL, anything else ESRCH.
func schedTarget(pid int) int64 {
	switch {
	case pid < 0:
		return -abi.EINVAL
	case pid == 0 || pid == threads.PID:
		return 0
	case threads.ByTID(int32(pid)) != nil:
		return 0
	}
	return -abi.ESRCH
}

func schedGetscheduler(pid int) int64 {
	if e := schedTarget(pid); e != 0 {
		return e
	}
	return int64(sched.policy)
}

func schedGetparam(pid int, param uintptr) int64 {
	if param == 0 {
		return -abi.EINVAL
	}
	if e := schedTarget(pid); e != 0 {
		return e
	}
	if !abi.PutU32(param, 0) { // sched_priority: 0 for the normal policies
		return -abi.EFAULT
	}
	return 0
}

// keepPolicy is sched_setparam's policy: the current one.
const keepPolicy = -1

// schedSetscheduler sets a normal policy (SCHED_OTHER, SCHED_BATCH,
// SCHED_IDLE: priority 0); the real-time ones need a privilege the app has
// not (EPERM); SCHED_DEADLINE is sched_setattr's (EINVAL).
func schedSetscheduler(pid, policy int, param uintptr) int64 {
	if policy < 0 {
		return -abi.EINVAL
	}
	return setScheduler(pid, policy, param)
}

// setScheduler is sched_setscheduler and, with keepPolicy,
// sched_setparam.
func setScheduler(pid, policy int, param uintptr) int64 {
	if param == 0 || pid < 0 {
		return -abi.EINVAL
	}
	prio, ok := abi.GetU32(param)
	if !ok {
		return -abi.EFAULT
	}
	if e := schedTarget(pid); e != 0 {
		return e
	}
	if policy == keepPolicy {
		policy = sched.policy
	}
	switch policy &^ schedResetOnFork {
	case schedOther, schedBatch, schedIdle:
		if prio != 0 {
			return -abi.EINVAL
		}
	case schedFIFO, schedRR:
		if prio < rtPriorityMin || prio > rtPriorityMax {
			return -abi.EINVAL
		}
		return -abi.EPERM
	default:
		return -abi.EINVAL
	}
	if sched.policy&^schedResetOnFork == schedIdle && policy&^schedResetOnFork != schedIdle {
		return -abi.EPERM // leaving SCHED_IDLE needs the nice value's privilege
	}
	sched.policy = policy
	return 0
}

func schedPriorityMax(policy int) int64 {
	switch policy {
	case schedFIFO, schedRR:
		return rtPriorityMax
	case schedOther, schedBatch, schedIdle, schedDeadline:
		return 0
	}
	return -abi.EINVAL
}

func schedPriorityMin(policy int) int64 {
	switch policy {
	case schedFIFO, schedRR:
		return rtPriorityMin
	case schedOther, schedBatch, schedIdle, schedDeadline:
		return 0
	}
	return -abi.EINVAL
}

// schedRRGetInterval reports the time slice: the round-robin scheduler's.
func schedRRGetInterval(pid int, ts uintptr) int64 {
	if e := schedTarget(pid); e != 0 {
		return e
	}
	if !putTimespec(ts, threads.TimeSlice) {
		return -abi.EFAULT
	}
	return 0
}

// priorityTarget checks getpriority's and setpriority's which and who: the
// app (PRIO_PROCESS: itself or a thread; PRIO_PGRP: its group, 1; PRIO_USER:
// root, 0).
func priorityTarget(which, who int) int64 {
	switch which {
	case prioProcess:
		return schedTarget(who)
	case prioPgrp:
		if who == 0 || who == threads.PID {
			return 0
		}
	case prioUser:
		if who == 0 {
			return 0
		}
	default:
		return -abi.EINVAL
	}
	return -abi.ESRCH
}

// getpriority returns 20 - nice, as the Linux call does (the C library
// turns it back into the nice value).
func getpriority(which, who int) int64 {
	if e := priorityTarget(which, who); e != 0 {
		return e
	}
	return int64(20 - sched.nice)
}

// setpriority lowers the app's priority (a higher nice value); raising it
// back needs CAP_SYS_NICE (EACCES), as for an unprivileged process.
func setpriority(which, who, nice int) int64 {
	if e := priorityTarget(which, who); e != 0 {
		return e
	}
	nice = min(max(nice, niceMin), niceMax)
	if nice < sched.nice {
		return -abi.EACCES
	}
	sched.nice = nice
	return 0
}
