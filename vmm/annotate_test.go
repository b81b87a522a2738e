package vmm

import (
	"strings"
	"testing"
)

type fakeSymbols map[uint64]string

func (f fakeSymbols) Symbolize(pc uint64) (string, bool) {
	s, ok := f[pc]
	return s, ok
}

func TestAnnotator(t *testing.T) {
	sym := fakeSymbols{
		0x101234: "unigo.dev/unigo/kernel.trap /k/trap.go:42",
		0x105678: "runtime.write1 /go/src/runtime/sys_linux_amd64.s:104",
	}
	in := "app says hi\n" +
		"unigo: kernel fault: page fault at addr=0x0 pc=0x101234\n" +
		"unigo: frame pc=0x105678 sp=0xc000 pc=0xdead\r\n" +
		"unigo: no pcs here\n" +
		"not unigo: pc=0x101234\n" +
		"unig\n" +
		"partial app output without newline"
	want := "app says hi\n" +
		"unigo: kernel fault: page fault at addr=0x0 pc=0x101234 [unigo.dev/unigo/kernel.trap /k/trap.go:42]\n" +
		"unigo: frame pc=0x105678 sp=0xc000 pc=0xdead [runtime.write1 /go/src/runtime/sys_linux_amd64.s:104]\r\n" +
		"unigo: no pcs here\n" +
		"not unigo: pc=0x101234\n" +
		"unig\n" +
		"partial app output without newline"

	// Every way of cutting the stream into writes gives the same output.
	for _, size := range []int{1, 2, 3, 7, 13, len(in)} {
		var out strings.Builder
		a := NewAnnotator(&out, sym)
		for i := 0; i < len(in); i += size {
			a.Write([]byte(in[i:min(i+size, len(in))]))
		}
		a.Close()
		if out.String() != want {
			t.Errorf("writes of %d bytes:\ngot  %q\nwant %q", size, out.String(), want)
		}
	}
}

func TestAnnotatorDoesNotHoldAppOutput(t *testing.T) {
	var out strings.Builder
	a := NewAnnotator(&out, nil)
	a.Write([]byte("progress: 10%"))
	if out.String() != "progress: 10%" {
		t.Errorf("app output held back: %q", out.String())
	}
	a.Write([]byte("\nuni"))
	if out.String() != "progress: 10%\n" {
		t.Errorf("got %q", out.String())
	}
	a.Write([]byte("corn\n"))
	if out.String() != "progress: 10%\nunicorn\n" {
		t.Errorf("got %q", out.String())
	}
}
