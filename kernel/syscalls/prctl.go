package syscalls

import (
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// prctl: the options the Go runtime and common libraries use, with
// Linux's answers for the one process of a unikernel (root, every
// capability, no parent to outlive, no seccomp). Options that need what
// the kernel does not have answer EINVAL, as Linux does for options it
// does not know or was built without (PR_SET_SECCOMP, PR_SET_VMA, which
// Go's runtime tries for every mapping and ignores the refusal of).

// prctl options.
const (
	prSetPdeathsig      = 1
	prGetPdeathsig      = 2
	prGetDumpable       = 3
	prSetDumpable       = 4
	prGetKeepcaps       = 7
	prSetKeepcaps       = 8
	prGetTiming         = 13
	prSetTiming         = 14
	prSetName           = 15
	prGetName           = 16
	prGetSeccomp        = 21
	prCapbsetRead       = 23
	prCapbsetDrop       = 24
	prGetTSC            = 25
	prSetTSC            = 26
	prGetSecurebits     = 27
	prSetSecurebits     = 28
	prSetTimerslack     = 29
	prGetTimerslack     = 30
	prTaskPerfDisable   = 31
	prTaskPerfEnable    = 32
	prSetChildSubreaper = 36
	prGetChildSubreaper = 37
	prSetNoNewPrivs     = 38
	prGetNoNewPrivs     = 39
	prGetTIDAddress     = 40
	prSetTHPDisable     = 41
	prGetTHPDisable     = 42
	capLastCap          = 40        // CAP_CHECKPOINT_RESTORE
	defaultTimerSlack   = 50_000    // ns, Linux's
	allCaps             = 1<<41 - 1 // the bounding set of root
)

// The process's prctl state (no pointers: set on the trap path).
var prState = struct {
	pdeathsig, dumpable, keepcaps, noNewPrivs, subreaper, thpDisable, securebits int
	capDropped                                                                   uint64
}{dumpable: 1}

func prctl(t *threads.Thread, a *[6]uintptr) int64 {
	opt, arg2 := int(int32(a[0])), a[1]
	zero := func(from int) bool {
		for i := from; i < 5; i++ {
			if a[i] != 0 {
				return false
			}
		}
		return true
	}
	putInt := func(v int) int64 {
		if !abi.PutU32(arg2, uint32(v)) {
			return -abi.EFAULT
		}
		return 0
	}
	flag := func(p *int) int64 {
		if arg2 > 1 {
			return -abi.EINVAL
		}
		*p = int(arg2)
		return 0
	}
	switch opt {
	case prSetPdeathsig:
		if arg2 > 64 {
			return -abi.EINVAL
		}
		prState.pdeathsig = int(arg2) // no parent dies before the app: it never fires
		return 0
	case prGetPdeathsig:
		return putInt(prState.pdeathsig)
	case prGetDumpable:
		return int64(prState.dumpable)
	case prSetDumpable:
		return flag(&prState.dumpable)
	case prGetKeepcaps:
		return int64(prState.keepcaps)
	case prSetKeepcaps:
		return flag(&prState.keepcaps)
	case prGetTiming:
		return 0 // PR_TIMING_STATISTICAL
	case prSetTiming:
		if arg2 != 0 {
			return -abi.EINVAL
		}
		return 0
	case prSetName:
		b, ok := abi.UserBytes(arg2, 16, false)
		if !ok {
			return -abi.EFAULT
		}
		t.Name = [16]byte{}
		for i := 0; i < 15 && b[i] != 0; i++ {
			t.Name[i] = b[i]
		}
		return 0
	case prGetName:
		b, ok := abi.UserBytes(arg2, 16, true)
		if !ok {
			return -abi.EFAULT
		}
		if t.Name[0] == 0 {
			programName(&t.Name)
		}
		copy(b, t.Name[:])
		return 0
	case prGetSeccomp:
		return 0 // SECCOMP_MODE_DISABLED
	case prCapbsetRead:
		if arg2 > capLastCap {
			return -abi.EINVAL
		}
		return int64(^prState.capDropped >> arg2 & 1)
	case prCapbsetDrop:
		if arg2 > capLastCap {
			return -abi.EINVAL
		}
		prState.capDropped |= 1 << arg2
		return 0
	case prGetTSC:
		return putInt(1) // PR_TSC_ENABLE
	case prSetTSC:
		if arg2 != 1 {
			return -abi.EINVAL // the TSC cannot be made to fault: the clocks read it
		}
		return 0
	case prGetSecurebits:
		return int64(prState.securebits)
	case prSetSecurebits:
		if arg2 > 0xff {
			return -abi.EPERM
		}
		prState.securebits = int(arg2)
		return 0
	case prSetTimerslack:
		t.TimerSlack = uint64(arg2) // 0: back to the default
		return 0
	case prGetTimerslack:
		if t.TimerSlack == 0 {
			return defaultTimerSlack
		}
		return int64(t.TimerSlack)
	case prTaskPerfDisable, prTaskPerfEnable:
		return 0
	case prSetChildSubreaper:
		prState.subreaper = min(int(arg2), 1)
		return 0
	case prGetChildSubreaper:
		return putInt(prState.subreaper)
	case prSetNoNewPrivs:
		if arg2 != 1 || !zero(2) {
			return -abi.EINVAL
		}
		prState.noNewPrivs = 1
		return 0
	case prGetNoNewPrivs:
		if !zero(1) {
			return -abi.EINVAL
		}
		return int64(prState.noNewPrivs)
	case prGetTIDAddress:
		if !abi.PutU64(arg2, uint64(t.ClearTID)) {
			return -abi.EFAULT
		}
		return 0
	case prSetTHPDisable:
		if !zero(2) {
			return -abi.EINVAL
		}
		prState.thpDisable = min(int(arg2), 1)
		return 0
	case prGetTHPDisable:
		if !zero(1) {
			return -abi.EINVAL
		}
		return int64(prState.thpDisable)
	}
	return -abi.EINVAL
}

// programName puts the program's name, as Linux's comm has it (the last
// element of its path, 15 bytes at most), into name: from /proc/self/exe.
func programName(name *[16]byte) {
	var path [256]byte
	ino := vfs.Root()
	for _, part := range [...]string{"proc", "self", "exe"} {
		var b [4]byte
		n := copy(b[:], part)
		next, e := vfs.Lookup(ino, b[:n])
		if e != 0 {
			return
		}
		ino = next
	}
	n, e := vfs.ReadAt(ino, path[:], 0)
	if e != 0 {
		return
	}
	base := 0
	for i := 0; i < n; i++ {
		if path[i] == '/' {
			base = i + 1
		}
	}
	copy(name[:15], path[base:n])
}
