// Package signals delivers Linux signals to the app's threads the way Linux
// does: a frame (siginfo, ucontext, FPU state) on the thread's stack or
// alternate stack, a jump to the handler the Go runtime installed, and
// rt_sigreturn to resume. Go needs this for nil-pointer panics (SIGSEGV),
// asynchronous preemption (SIGURG) and os/signal. Trap path: no allocation.
package signals

import "unigo.dev/unigo/kernel/threads"

// Signal numbers the kernel itself raises or treats specially.
const (
	SIGILL   = 4
	SIGTRAP  = 5
	SIGABRT  = 6
	SIGBUS   = 7
	SIGFPE   = 8
	SIGKILL  = 9
	SIGSEGV  = 11
	SIGTERM  = 15
	SIGCHLD  = 17
	SIGCONT  = 18
	SIGSTOP  = 19
	SIGTSTP  = 20
	SIGURG   = 23
	SIGWINCH = 28
	NSIG     = 64
)

// si_code values.
const (
	SIUser     = 0
	SIKernel   = 0x80
	SITkill    = -6
	SegvMapErr = 1
	SegvAccErr = 2
	FpeIntDiv  = 1
	IllIllOpn  = 2
	BusAdrAln  = 1
	BusAdrErr  = 2
)

// sigaction flags.
const (
	saSigInfo   = 0x4
	saOnStack   = 0x08000000
	saRestorer  = 0x04000000
	saNoDefer   = 0x40000000
	saResetHand = 0x80000000
)

const (
	sigDfl = 0
	sigIgn = 1
)

// Action is the kernel's struct sigaction.
type Action struct {
	Handler  uint64
	Flags    uint64
	Restorer uint64
	Mask     uint64
}

// actions are each process's signal actions (threads.Proc). Raise reads
// them in interrupt handlers (the host's signal), also for a program that
// never set one: the non-zero initialiser (signal 0's slot, which is no
// signal) keeps them in loaded data, where the trap path cannot fault.
var actions = [2][NSIG + 1]Action{{0: {Handler: sigIgn}}}

// GetAction and SetAction implement rt_sigaction for process p.
func GetAction(p threads.Proc, sig int) Action { return actions[p][sig] }

// SetAction replaces the action of sig; SIGKILL and SIGSTOP cannot change.
func SetAction(p threads.Proc, sig int, a Action) bool {
	if sig == SIGKILL || sig == SIGSTOP {
		return false
	}
	actions[p][sig] = a
	return true
}

// Valid reports whether sig is a signal number.
func Valid(sig int) bool { return sig >= 1 && sig <= NSIG }

func bit(sig int) uint64 { return 1 << (sig - 1) }

// Unblockable signals.
const unblockable = 1<<(SIGKILL-1) | 1<<(SIGSTOP-1)

// SetMask sets a thread's blocked set.
func SetMask(t *threads.Thread, m uint64) { t.SigMask = m &^ unblockable }

// ignoredByDefault are the signals whose default action does nothing.
func ignoredByDefault(sig int) bool {
	switch sig {
	case SIGCHLD, SIGURG, SIGWINCH, SIGCONT, SIGSTOP, SIGTSTP, 21, 22:
		return true
	}
	return false
}

// Raise makes sig pending for t. A thread blocked in a system call is woken
// with EINTR so that the handler runs promptly. An ignored signal is
// dropped unless t blocks it: as on Linux, a blocked signal stays pending
// (a signalfd may read it; Deliver drops it if it is still ignored when
// unblocked).
func Raise(t *threads.Thread, sig int, code int32, addr uint64) {
	a := actions[t.Proc][sig]
	blocked := t.SigMask&bit(sig) != 0
	if !blocked && (a.Handler == sigIgn || a.Handler == sigDfl && ignoredByDefault(sig)) {
		return
	}
	t.SigPending |= bit(sig)
	t.SigInfo[sig] = threads.SigInfo{Code: code, Addr: addr}
	if blocked {
		queued(sig)
		return
	}
	if t.Interruptible() {
		threads.Wake(t, -4) // EINTR
	}
}

// RaiseProcess delivers a process-directed signal to a thread of the app
// that does not block it (the first thread if all do).
func RaiseProcess(sig int, code int32) {
	t := threads.FirstWith(threads.App, func(t *threads.Thread) bool { return t.SigMask&bit(sig) == 0 })
	if t != nil {
		Raise(t, sig, code, 0)
	}
}

// Synchronous reports whether a fault's signal can be handled: it has a
// handler and is not blocked. If not, the app dies of it (as on Linux).
func Synchronous(t *threads.Thread, sig int) bool {
	a := actions[t.Proc][sig]
	return a.Handler > sigIgn && t.SigMask&bit(sig) == 0
}
