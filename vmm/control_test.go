package vmm

import (
	"slices"
	"strings"
	"testing"
)

func TestParseControl(t *testing.T) {
	tests := []struct {
		line string
		want Exit
		ok   bool
	}{
		{"exit 0", Exit{Reason: Exited}, true},
		{"exit 255", Exit{Reason: Exited, Status: 255}, true},
		{"exit 256", Exit{}, false},
		{"exit -1", Exit{}, false},
		{"exit", Exit{}, false},
		{"signal 9", Exit{Reason: Signaled, Status: 9}, true},
		{"signal 0", Exit{}, false},
		{"crash page fault in kernel mode", Exit{Reason: Crashed, Detail: "page fault in kernel mode"}, true},
		{"crash", Exit{Reason: Crashed, Detail: "no reason given"}, true},
		{"SeaBIOS (version 1.16.2)", Exit{}, false},
		{"exited 0", Exit{}, false},
	}
	for _, tt := range tests {
		got, ok := parseControl(tt.line)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseControl(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReadControl(t *testing.T) {
	var noise strings.Builder
	in := "SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\nNo Xen hypervisor found.\nlisten tcp 8080\nlisten udp 53\nunlisten tcp 8080\nlisten tcp 0\nexit 3\nexit 4\n"
	var listens []Listen
	ev, ok := ReadControl(strings.NewReader(in), &noise, func(l Listen) { listens = append(listens, l) })
	if !ok || ev != (Exit{Reason: Exited, Status: 3}) {
		t.Errorf("got %+v, %v", ev, ok)
	}
	if want := "control channel: SeaBIOS (version 1.16.2-debian-1.16.2-1)\ncontrol channel: No Xen hypervisor found.\ncontrol channel: listen tcp 0\n"; noise.String() != want {
		t.Errorf("noise = %q", noise.String())
	}
	if want := []Listen{{Port: 8080, Open: true}, {UDP: true, Port: 53, Open: true}, {Port: 8080}}; !slices.Equal(listens, want) {
		t.Errorf("listens = %+v, want %+v", listens, want)
	}
	if _, ok := ReadControl(strings.NewReader("nothing\n"), nil, nil); ok {
		t.Error("event found in noise")
	}
	if ev, ok := ReadControl(strings.NewReader("signal 11"), nil, nil); !ok || ev.Code() != 139 {
		t.Errorf("unterminated last line: %+v, %v", ev, ok)
	}
}

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		e    Exit
		code int
	}{
		{Exit{Reason: Exited, Status: 0}, 0},
		{Exit{Reason: Exited, Status: 42}, 42},
		{Exit{Reason: Signaled, Status: 9}, 137},
		{Exit{Reason: Crashed, Detail: "x"}, 122},
		{Exit{Reason: Reset}, 122},
		{Exit{Reason: Stopped}, 130},
	} {
		if got := tt.e.Code(); got != tt.code {
			t.Errorf("%v: code %d, want %d", tt.e, got, tt.code)
		}
	}
	if got := (Exit{Reason: Reset}).String(); got != "the VM reset or stopped without an exit status (triple fault?)" {
		t.Errorf("Reset says %q", got)
	}
}
