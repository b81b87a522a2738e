package qemu

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"unigo.dev/unigo/vmm"
)

// kvmInternalError starts the message QEMU prints when KVM cannot go on with
// the guest (for example an instruction it cannot emulate). QEMU then pauses
// the VM and waits forever, so the VM must be stopped from outside.
const kvmInternalError = "KVM internal error"

var ripToken = regexp.MustCompile(`\b([RE]IP)=([0-9a-fA-F]+)`)

// qemuLog collects QEMU's own output (error messages, register dumps) and
// notices a KVM internal error as it is printed.
type qemuLog struct {
	onFault func() // called once, when a KVM internal error shows up

	mu      sync.Mutex
	buf     bytes.Buffer
	faulted bool
}

func (l *qemuLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.buf.Len() < 64<<10 { // enough to explain a failure
		l.buf.Write(p)
	}
	fault := !l.faulted && strings.Contains(l.buf.String(), kvmInternalError)
	if fault {
		l.faulted = true
	}
	l.mu.Unlock()
	if fault && l.onFault != nil {
		l.onFault()
	}
	return len(p), nil
}

func (l *qemuLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// fault describes a KVM internal error from QEMU's output: its first line
// and the guest's instruction pointer, symbolized when possible.
func (l *qemuLog) fault(sym vmm.Symbolizer) (string, bool) {
	out := l.String()
	i := strings.Index(out, kvmInternalError)
	if i < 0 {
		return "", false
	}
	out = out[i:]
	first, _, _ := strings.Cut(out, "\n")
	desc := strings.TrimSpace(first)
	if strings.Contains(out, "emulation failure") {
		desc += " (emulation failure)"
	}
	if m := ripToken.FindStringSubmatch(out); m != nil {
		desc += " at " + m[1] + "=0x" + strings.TrimLeft(m[2], "0")
		if pc, err := strconv.ParseUint(m[2], 16, 64); err == nil && sym != nil {
			if where, ok := sym.Symbolize(pc); ok {
				desc += " [" + where + "]"
			}
		}
	}
	return desc, true
}
