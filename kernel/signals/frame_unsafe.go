package signals

import (
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/threads"
)

// Layout of the Linux x86-64 signal frame.
const (
	ucSize     = 304 // struct ucontext: flags, link, stack, sigcontext, sigmask
	infoSize   = 128
	frameSize  = 8 + ucSize + infoSize // return address, ucontext, siginfo
	fxSize     = 512
	ucStack    = 16
	ucMcontext = 40
	ucSigmask  = 296
	mcFPState  = ucMcontext + 24*8
	mcCSGSFS   = ucMcontext + 18*8
	mcErr      = ucMcontext + 19*8
	mcTrapno   = ucMcontext + 20*8
	mcOldmask  = ucMcontext + 21*8
	mcCR2      = ucMcontext + 22*8
	redZone    = 128
	flagsUser  = 0x3f7fd5 // RFLAGS bits sigreturn may restore
)

func word(a uintptr) *uint64 { return (*uint64)(unsafe.Add(nil, a)) }

// gregs returns the Frame fields in Linux sigcontext order (r8..r15, rdi,
// rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags).
func gregs(f *threads.Frame) [18]*uint64 {
	return [18]*uint64{&f.R8, &f.R9, &f.R10, &f.R11, &f.R12, &f.R13, &f.R14, &f.R15,
		&f.RDI, &f.RSI, &f.RBP, &f.RBX, &f.RDX, &f.RAX, &f.RCX, &f.RSP, &f.RIP, &f.RFLAGS}
}

// Deliver sets up the handler of the lowest pending unblocked signal of t,
// if any. It returns a signal number > 0 when that signal kills the app.
func Deliver(t *threads.Thread) int {
	ready := t.SigPending &^ t.SigMask
	if ready == 0 {
		return 0
	}
	sig := 1
	for ready&1 == 0 {
		ready >>= 1
		sig++
	}
	t.SigPending &^= bit(sig)
	a := actions[t.Proc][sig]
	switch {
	case a.Handler == sigIgn:
		return 0
	case a.Handler == sigDfl:
		if ignoredByDefault(sig) {
			return 0
		}
		return sig
	}
	f := &t.Frame
	sp := uintptr(f.RSP)
	onAlt := t.AltSize != 0 && sp > uintptr(t.AltSP) && sp <= uintptr(t.AltSP+t.AltSize)
	if a.Flags&saOnStack != 0 && t.AltSize != 0 && !onAlt {
		sp = uintptr(t.AltSP + t.AltSize)
	} else {
		sp -= redZone
	}
	fx := (sp - fxSize) &^ 63
	sp = ((fx - frameSize) &^ 15) - 8
	if !memory.CheckUser(sp, fx+fxSize-sp, true) {
		return SIGSEGV // no room for the frame: Linux kills with SIGSEGV
	}
	*(*[fxSize]byte)(unsafe.Add(nil, fx)) = *t.FXBytes()

	uc := sp + 8
	info := uc + ucSize
	clear((*[frameSize]byte)(unsafe.Add(nil, sp))[:])
	*word(sp) = a.Restorer
	// siginfo
	in := t.SigInfo[sig]
	*(*int32)(unsafe.Add(nil, info)) = int32(sig)
	*(*int32)(unsafe.Add(nil, info+8)) = in.Code
	if in.Code == SITkill || in.Code == SIUser {
		*(*int32)(unsafe.Add(nil, info+16)) = threads.PID
	} else {
		*word(info + 16) = in.Addr
	}
	// ucontext
	*word(uc + ucStack) = t.AltSP
	ssFlags := uint64(0)
	if onAlt {
		ssFlags = 1 // SS_ONSTACK
	}
	*word(uc + ucStack + 8) = ssFlags
	*word(uc + ucStack + 16) = t.AltSize
	for i, r := range gregs(f) {
		*word(uc + ucMcontext + uintptr(i)*8) = *r
	}
	*word(uc + mcCSGSFS) = f.CS | f.SS<<48
	*word(uc + mcErr) = f.ErrorCode
	*word(uc + mcTrapno) = f.Vector
	saved := t.SigMask
	if t.Suspended { // rt_sigsuspend's mask lasts until the handler returns
		saved, t.Suspended = t.SuspendMask, false
	}
	*word(uc + mcOldmask) = saved
	*word(uc + mcCR2) = in.Addr
	*word(uc + mcFPState) = uint64(fx)
	*word(uc + ucSigmask) = saved

	f.RDI = uint64(sig)
	f.RSI = uint64(info)
	f.RDX = uint64(uc)
	f.RAX = 0
	f.RSP = uint64(sp)
	f.RIP = a.Handler
	f.RFLAGS &^= 0x500 // TF, DF
	if a.Flags&saNoDefer == 0 {
		t.SigMask |= bit(sig)
	}
	t.SigMask = (t.SigMask | a.Mask) &^ unblockable
	if a.Flags&saResetHand != 0 {
		actions[t.Proc][sig] = Action{}
	}
	return 0
}

// Return implements rt_sigreturn: it restores the registers, FPU state and
// signal mask saved by Deliver. It returns false when the frame is unreadable.
func Return(t *threads.Thread) bool {
	f := &t.Frame
	uc := uintptr(f.RSP) // the handler's RET popped the return address
	if !memory.CheckUser(uc, ucSize, false) {
		return false
	}
	flags := f.RFLAGS
	for i, r := range gregs(f) {
		*r = *word(uc + ucMcontext + uintptr(i)*8)
	}
	f.RFLAGS = flags&^flagsUser | f.RFLAGS&flagsUser
	if fx := uintptr(*word(uc + mcFPState)); fx != 0 && memory.CheckUser(fx, fxSize, false) {
		*t.FXBytes() = *(*[fxSize]byte)(unsafe.Add(nil, fx))
	}
	SetMask(t, *word(uc + ucSigmask))
	return true
}
