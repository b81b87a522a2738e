package boot

import (
	"encoding/binary"
	"strings"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	buf := []byte("arg=hello arg=two%20words env=K=V%3D1 trace unknown=1 env=PATH=/bin tsc_hz=2994000000")
	var o Options
	ParseCmdline(buf, &o)
	str := func(s Span) string { return string(buf[s.Start:s.End]) }
	if o.NArgs != 2 || str(o.Args[0]) != "hello" || str(o.Args[1]) != "two words" {
		t.Fatalf("args: %d %q %q", o.NArgs, str(o.Args[0]), str(o.Args[1]))
	}
	if o.NEnv != 2 || str(o.Env[0]) != "K=V=1" || str(o.Env[1]) != "PATH=/bin" {
		t.Fatalf("env: %d %q %q", o.NEnv, str(o.Env[0]), str(o.Env[1]))
	}
	if o.TSCHz != 2994000000 {
		t.Fatalf("tsc_hz: %d", o.TSCHz)
	}
	if !o.Trace || o.KernelFault {
		t.Fatalf("flags: trace=%v kernelfault=%v", o.Trace, o.KernelFault)
	}
}

func TestParseMounts(t *testing.T) {
	buf := []byte("mount=0:/data mount=1:/my%20logs:ro mount=x:/bad mount=9:/too-far mount=2 tmpfs=/var/cache")
	var o Options
	ParseCmdline(buf, &o)
	str := func(s Span) string { return string(buf[s.Start:s.End]) }
	if o.NMounts != 2 {
		t.Fatalf("%d mounts: %+v", o.NMounts, o.Mounts[:o.NMounts])
	}
	if m := o.Mounts[0]; m.Disk != 0 || str(m.Path) != "/data" || m.ReadOnly {
		t.Fatalf("first: %+v %q", m, str(m.Path))
	}
	if m := o.Mounts[1]; m.Disk != 1 || str(m.Path) != "/my logs" || !m.ReadOnly {
		t.Fatalf("second: %+v %q", m, str(m.Path))
	}
	if o.NTmpfs != 1 || str(o.Tmpfs[0]) != "/var/cache" {
		t.Fatalf("tmpfs: %d %q", o.NTmpfs, str(o.Tmpfs[0]))
	}
}

func TestParseShares(t *testing.T) {
	buf := []byte("share=fs0:/data share=fs1:/my%20logs:ro share=:/bad share=nopath mount=0:/vol")
	var o Options
	ParseCmdline(buf, &o)
	str := func(s Span) string { return string(buf[s.Start:s.End]) }
	if o.NShares != 2 || o.NMounts != 1 {
		t.Fatalf("%d shares, %d mounts: %+v", o.NShares, o.NMounts, o.Shares[:o.NShares])
	}
	if s := o.Shares[0]; str(s.Tag) != "fs0" || str(s.Path) != "/data" || s.ReadOnly {
		t.Fatalf("first: %+v %q %q", s, str(s.Tag), str(s.Path))
	}
	if s := o.Shares[1]; str(s.Tag) != "fs1" || str(s.Path) != "/my logs" || !s.ReadOnly {
		t.Fatalf("second: %+v %q %q", s, str(s.Tag), str(s.Path))
	}
}

func TestBuildStack(t *testing.T) {
	buf := []byte("arg=app arg=x env=A=b")
	var o Options
	ParseCmdline(buf, &o)
	mem := make([]byte, 4096)
	const top = 0x7000_0000_0000
	in := &StackInput{Cmdline: buf, Opts: &o, Random: [16]byte{1, 2, 3}}
	sp := BuildStack(mem, top, in)
	if sp == 0 || sp%16 != 0 {
		t.Fatalf("sp %#x not 16-aligned", sp)
	}
	base := uintptr(top - len(mem))
	word := func(a uintptr) uint64 { return binary.LittleEndian.Uint64(mem[a-base:]) }
	cstr := func(a uintptr) string {
		i := a - base
		j := i
		for mem[j] != 0 {
			j++
		}
		return string(mem[i:j])
	}
	if argc := word(sp); argc != 2 {
		t.Fatalf("argc %d", argc)
	}
	if cstr(uintptr(word(sp+8))) != "app" || cstr(uintptr(word(sp+16))) != "x" || word(sp+24) != 0 {
		t.Fatal("argv wrong")
	}
	if cstr(uintptr(word(sp+32))) != "A=b" || word(sp+40) != 0 {
		t.Fatal("envp wrong")
	}
	found := false
	for a := sp + 48; word(a) != 0; a += 16 {
		if word(a) == atRandom {
			r := uintptr(word(a + 8))
			found = mem[r-base] == 1 && mem[r-base+2] == 3
		}
	}
	if !found {
		t.Fatal("AT_RANDOM missing or wrong")
	}
}

// The kernel's memory limit reaches the runtime as GOMEMLIMIT, unless the
// app's environment sets its own.
func TestBuildStackMemoryLimit(t *testing.T) {
	envOf := func(cmdline string, limit uint64) []string {
		buf := []byte(cmdline)
		var o Options
		ParseCmdline(buf, &o)
		mem := make([]byte, 4096)
		const top = 0x7000_0000_0000
		sp := BuildStack(mem, top, &StackInput{Cmdline: buf, Opts: &o, MemoryLimit: limit})
		base := uintptr(top - len(mem))
		word := func(a uintptr) uint64 { return binary.LittleEndian.Uint64(mem[a-base:]) }
		a := sp + 8*uintptr(word(sp)+2) // past argc, argv and its nil
		var env []string
		for ; word(a) != 0; a += 8 {
			i := uintptr(word(a)) - base
			j := i
			for mem[j] != 0 {
				j++
			}
			env = append(env, string(mem[i:j]))
		}
		return env
	}
	if got := envOf("arg=app env=A=b", 5<<20); len(got) != 2 || got[0] != "A=b" || got[1] != "GOMEMLIMIT=5242880" {
		t.Errorf("env %q, want [A=b GOMEMLIMIT=5242880]", got)
	}
	if got := envOf("arg=app env=GOMEMLIMIT=off", 5<<20); len(got) != 1 || got[0] != "GOMEMLIMIT=off" {
		t.Errorf("env %q, want the app's own GOMEMLIMIT only", got)
	}
	if got := envOf("arg=app", 0); len(got) != 0 {
		t.Errorf("env %q, want none without a limit", got)
	}
	if got := envOf("arg=app", 7); len(got) != 1 || got[0] != "GOMEMLIMIT=7" {
		t.Errorf("env %q", got)
	}
}

func TestParseNet(t *testing.T) {
	buf := []byte("net.ip=192.168.7.20/24 net.gw=192.168.7.1 net.link=169.254.77.2/30 net.dns=192.168.7.1 net.dns=2001:db8::53 net.host=db:10.1.2.3 net.host=v6:fe80::1")
	var o Options
	ParseCmdline(buf, &o)
	str := func(s Span) string { return string(buf[s.Start:s.End]) }
	n := o.Net
	if n.Mode != NetStatic || n.Addr != [4]byte{192, 168, 7, 20} || n.Prefix != 24 || n.Gateway != [4]byte{192, 168, 7, 1} {
		t.Fatalf("address: %+v", n)
	}
	if n.Link != [4]byte{169, 254, 77, 2} || n.LinkPrefix != 30 {
		t.Fatalf("link: %v/%d", n.Link, n.LinkPrefix)
	}
	if n.NDNS != 2 || str(n.DNS[0]) != "192.168.7.1" || str(n.DNS[1]) != "2001:db8::53" {
		t.Fatalf("dns: %d", n.NDNS)
	}
	if n.NHosts != 2 || str(n.Hosts[0]) != "db:10.1.2.3" || str(n.Hosts[1]) != "v6:fe80::1" {
		t.Fatalf("hosts: %d", n.NHosts)
	}

	var d Options
	ParseCmdline([]byte("net.dhcp"), &d)
	if d.Net.Mode != NetDHCP {
		t.Fatalf("net.dhcp: mode %d", d.Net.Mode)
	}
	for _, bad := range []string{"net.ip=1.2.3/24", "net.ip=1.2.3.4", "net.ip=1.2.3.4/33", "net.ip=1.2.3.4.5/8", "net.ip=256.1.1.1/8", "net.ip=1..2.3/8"} {
		var b Options
		ParseCmdline([]byte(bad), &b)
		if b.Net.Mode != NetDefault {
			t.Errorf("%s: taken as %+v", bad, b.Net)
		}
		ParseCmdline([]byte(strings.Replace(bad, "net.ip=", "net.link=", 1)), &b)
		if b.Net.LinkPrefix != 0 {
			t.Errorf("%s as net.link: taken as %+v", bad, b.Net)
		}
	}
}
