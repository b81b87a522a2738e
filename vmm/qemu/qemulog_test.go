package qemu

import (
	"strings"
	"testing"
)

func TestQEMULogFault(t *testing.T) {
	faults := 0
	l := &qemuLog{onFault: func() { faults++ }}
	dump := "KVM internal error. Suberror: 1\nextra data[0]: 0x1\nemulation failure\n" +
		"RAX=0000000000290658 RBX=0000000000290900\nRIP=00000000001a754f RFL=00000056\n"
	for _, chunk := range strings.SplitAfter(dump, "\n") { // arrives in pieces
		l.Write([]byte(chunk))
	}
	if faults != 1 {
		t.Errorf("onFault called %d times, want 1", faults)
	}
	got, ok := l.fault(fakeSymbols{0x1a754f: "unigo.dev/unigo/kernel.entry64 /k/pvh_amd64.s:113"})
	want := "KVM internal error. Suberror: 1 (emulation failure) at RIP=0x1a754f [unigo.dev/unigo/kernel.entry64 /k/pvh_amd64.s:113]"
	if !ok || got != want {
		t.Errorf("fault() = %q, %v\nwant %q", got, ok, want)
	}
	if _, ok := (&qemuLog{}).fault(nil); ok {
		t.Error("fault found in an empty log")
	}
}

type fakeSymbols map[uint64]string

func (f fakeSymbols) Symbolize(pc uint64) (string, bool) {
	s, ok := f[pc]
	return s, ok
}
