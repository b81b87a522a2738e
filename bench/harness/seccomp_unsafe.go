package harness

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"unsafe"
)

// bpfInsn is struct sock_filter.
type bpfInsn struct {
	Code uint16
	Jt   uint8
	Jf   uint8
	K    uint32
}

const (
	ptraceSeccompGetFilter = 0x420c
	auditArchX86_64        = 0xc000003e
	maxSyscallNr           = 1024 // x86-64 numbers are below this; x32 ones have bit 30 set
)

// SeccompAllowed reads the seccomp filters of a process and counts the
// x86-64 system-call numbers they let through (seccompAllowed).
func SeccompAllowed(pid int) (filters, allowed int, err error) {
	fs, err := seccompFilters(pid)
	if err != nil {
		return 0, 0, err
	}
	allowed, err = seccompAllowed(fs)
	return len(fs), allowed, err
}

// seccompFilters reads the seccomp filters of a process through ptrace
// (PTRACE_SECCOMP_GET_FILTER, which needs CAP_SYS_ADMIN): the process is
// stopped for the moment it takes.
func seccompFilters(pid int) ([][]bpfInsn, error) {
	runtime.LockOSThread() // ptrace requests come from the attaching thread
	defer runtime.UnlockOSThread()
	if err := syscall.PtraceAttach(pid); err != nil {
		return nil, fmt.Errorf("ptrace attach: %w", err)
	}
	defer syscall.PtraceDetach(pid)
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, syscall.WALL, nil); err != nil {
		return nil, err
	}
	var filters [][]bpfInsn
	for i := uintptr(0); ; i++ {
		n, _, e := syscall.Syscall6(syscall.SYS_PTRACE, ptraceSeccompGetFilter, uintptr(pid), i, 0, 0, 0)
		if e == syscall.ENOENT {
			return filters, nil
		}
		if e != 0 {
			return nil, fmt.Errorf("PTRACE_SECCOMP_GET_FILTER: %w", e)
		}
		prog := make([]bpfInsn, n)
		if n > 0 {
			if _, _, e := syscall.Syscall6(syscall.SYS_PTRACE, ptraceSeccompGetFilter, uintptr(pid), i, uintptr(unsafe.Pointer(&prog[0])), 0, 0); e != 0 {
				return nil, fmt.Errorf("PTRACE_SECCOMP_GET_FILTER: %w", e)
			}
		}
		filters = append(filters, prog)
	}
}

// seccompAllowed counts the x86-64 system-call numbers that every filter
// lets through (SECCOMP_RET_ALLOW, or LOG, TRACE, USER_NOTIF: the call
// reaches the kernel or a supervisor) when called with all arguments zero.
func seccompAllowed(filters [][]bpfInsn) (int, error) {
	n := 0
	for nr := uint32(0); nr < maxSyscallNr; nr++ {
		var data [64]byte // struct seccomp_data
		binary.LittleEndian.PutUint32(data[0:], nr)
		binary.LittleEndian.PutUint32(data[4:], auditArchX86_64)
		ok := true
		for _, f := range filters {
			ret, err := runBPF(f, data[:])
			if err != nil {
				return 0, err
			}
			switch ret & 0xffff0000 { // SECCOMP_RET_ACTION_FULL
			case 0x7fff0000, 0x7ffc0000, 0x7ff00000, 0x7fc00000: // ALLOW, LOG, TRACE, USER_NOTIF
			default:
				ok = false
			}
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// runBPF runs a classic BPF program (as seccomp does) over data.
func runBPF(prog []bpfInsn, data []byte) (uint32, error) {
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		src := in.K
		if in.Code&0x08 != 0 { // BPF_X
			src = x
		}
		switch in.Code & 0x07 { // class
		case 0x00, 0x01: // BPF_LD, BPF_LDX
			var v uint32
			switch in.Code & 0xe0 { // mode
			case 0x00: // IMM
				v = in.K
			case 0x20: // ABS
				if int(in.K)+4 > len(data) || in.Code&0x18 != 0 {
					return 0, fmt.Errorf("bpf: load at %d", in.K)
				}
				v = binary.LittleEndian.Uint32(data[in.K:])
			case 0x60: // MEM
				v = mem[in.K&15]
			case 0x80: // LEN
				v = uint32(len(data))
			default:
				return 0, fmt.Errorf("bpf: load mode %#x", in.Code)
			}
			if in.Code&0x07 == 0x00 {
				a = v
			} else {
				x = v
			}
		case 0x02: // BPF_ST
			mem[in.K&15] = a
		case 0x03: // BPF_STX
			mem[in.K&15] = x
		case 0x04: // BPF_ALU
			switch in.Code & 0xf0 {
			case 0x00:
				a += src
			case 0x10:
				a -= src
			case 0x20:
				a *= src
			case 0x30:
				if src == 0 {
					return 0, nil
				}
				a /= src
			case 0x40:
				a |= src
			case 0x50:
				a &= src
			case 0x60:
				a <<= src
			case 0x70:
				a >>= src
			case 0x80:
				a = -a
			case 0x90:
				if src == 0 {
					return 0, nil
				}
				a %= src
			case 0xa0:
				a ^= src
			}
		case 0x05: // BPF_JMP
			var cond bool
			switch in.Code & 0xf0 {
			case 0x00: // JA
				pc += int(in.K)
				continue
			case 0x10:
				cond = a == src
			case 0x20:
				cond = a > src
			case 0x30:
				cond = a >= src
			case 0x40:
				cond = a&src != 0
			default:
				return 0, fmt.Errorf("bpf: jump %#x", in.Code)
			}
			if cond {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case 0x06: // BPF_RET
			if in.Code&0x18 == 0x10 { // BPF_A
				return a, nil
			}
			return in.K, nil
		case 0x07: // BPF_MISC
			if in.Code&0xf8 == 0x00 { // TAX
				x = a
			} else { // TXA
				a = x
			}
		}
	}
	return 0, errors.New("bpf: program ran off its end")
}
