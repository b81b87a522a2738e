// Package threads runs the Go runtime's OS threads: a fixed table of threads,
// a round-robin scheduler driven by the LAPIC timer, futexes and sleeps.
// There is one CPU and the kernel is never preempted: every kernel entry
// saves the running thread's registers here and every exit restores the
// (possibly different) current thread's. Trap path throughout: no allocation,
// no pointers stored in globals (that would need the GC's write barrier).
package threads

// Frame is a thread's saved registers, in the order the trap entry pushes
// them (lowest address first). Vector 256 marks a system call.
type Frame struct {
	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	RBP, RDI, RSI, RDX, RCX, RBX, RAX    uint64
	Vector, ErrorCode                    uint64
	RIP, CS, RFLAGS, RSP, SS             uint64
}

// VectorSyscall is the Frame.Vector of a system call.
const VectorSyscall = 256

// State is where a thread is in its life.
type State uint32

const (
	Free     State = iota // slot unused
	Runnable              // ready to run (or running)
	Blocked               // waiting for a futex or a deadline
	Held                  // made, not started yet (Hold, Release)
)

// Proc says which process a thread belongs to. There is one app; the kernel
// of an unmodified executable also runs its own Go runtime, for the network
// stack, as the service process beside it (docs/exec-design.md): its own
// signal actions and descriptors, threads that signals sent to the process
// never reach, and an exit that does not end the app.
type Proc uint8

const (
	App     Proc = iota // the program (every thread of a Go app linked with the kernel)
	Service             // the kernel's own runtime in the kernel of unmodified executables
)

// Thread is one of the app's OS threads.
type Thread struct {
	Frame  Frame
	fxBuf  [512 + 16]byte // FXSAVE area; FX() returns its 16-aligned start
	FSBase uint64         // TLS base (arch_prctl, clone's tls)
	TID    int32
	state  State

	futexAddr   uintptr // while Blocked on a futex
	deadline    int64   // monotonic ns when a Blocked thread times out, 0 if never
	onTimeout   int64   // RAX value when the deadline passes
	syscallNr   uint64  // the blocked call, to restart it
	holdsResult bool    // blocked with its result already decided (BlockWithResult)

	// restartDeadline is the deadline of the call WakeRestartAll made run
	// again, kept for it (RestartDeadline) until a call of the thread
	// returns; restartSP tells it from a signal handler's call run first.
	restartDeadline int64
	restartSP       uint64

	SigMask    uint64 // blocked signals, bit n-1 for signal n
	SigPending uint64
	// SuspendMask is the mask rt_sigsuspend replaced while it waits
	// (Suspended): the handler's frame saves it, so that rt_sigreturn
	// restores it.
	SuspendMask uint64
	Suspended   bool
	SigInfo     [65]SigInfo // why a pending signal was raised
	AltSP       uint64
	AltSize     uint64
	AltFlags    int32

	ClearTID uintptr // CLONE_CHILD_CLEARTID address
	Proc     Proc    // the process the thread belongs to; its clones inherit it

	Name       [16]byte // prctl PR_SET_NAME (NUL-terminated); empty: the program's name
	TimerSlack uint64   // prctl PR_SET_TIMERSLACK, ns; 0: the default
}

// SigInfo is what the kernel knows about a pending signal.
type SigInfo struct {
	Code int32
	Addr uint64
}

// MaxThreads bounds the table; the Go runtime on one CPU uses a handful.
const MaxThreads = 512

var table [MaxThreads]Thread

// current is the index of the running thread; nextTID hands out thread IDs.
var (
	current int
	nextTID int32 = 1
	live    int
	top     int // slots in use are below top: bounds every scan
)

// Current returns the running thread.
func Current() *Thread { return &table[current] }

// Live returns the number of threads alive.
func Live() int { return live }

// LiveIn returns the number of threads alive in process p.
func LiveIn(p Proc) int {
	n := 0
	for i := 0; i < top; i++ {
		if table[i].state != Free && table[i].Proc == p {
			n++
		}
	}
	return n
}

// Hold keeps a new thread from running until Release.
func Hold(t *Thread) { t.state = Held }

// HeldIn reports whether a thread of process p is held.
func HeldIn(p Proc) bool {
	for i := 0; i < top; i++ {
		if table[i].state == Held && table[i].Proc == p {
			return true
		}
	}
	return false
}

// Release lets every held thread run.
func Release() {
	for i := 0; i < top; i++ {
		if table[i].state == Held {
			table[i].state = Runnable
		}
	}
}

// ByTID finds a live thread.
func ByTID(tid int32) *Thread {
	for i := 0; i < top; i++ {
		if table[i].state != Free && table[i].TID == tid {
			return &table[i]
		}
	}
	return nil
}

// New takes a free slot and gives it a thread ID; the caller fills the
// registers. It returns nil when the table is full.
func New() *Thread {
	for i := range table {
		t := &table[i]
		if t.state == Free {
			*t = Thread{}
			t.TID = nextTID
			nextTID++
			t.state = Runnable
			live++
			if i >= top {
				top = i + 1
			}
			return t
		}
	}
	return nil
}

// Exit frees the current thread's slot; Schedule picks another.
func Exit(t *Thread) {
	t.state = Free
	live--
}

// PID is the process ID the app sees: that of its first thread.
const PID = 1

// FirstWith returns the first live thread of process p for which ok is
// true, else its first live thread, else nil.
func FirstWith(p Proc, ok func(*Thread) bool) *Thread {
	var first *Thread
	for i := 0; i < top; i++ {
		t := &table[i]
		if t.state == Free || t.Proc != p {
			continue
		}
		if ok(t) {
			return t
		}
		if first == nil {
			first = t
		}
	}
	return first
}
