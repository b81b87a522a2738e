package guestprof

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeStub plays QEMU's gdbstub for a CPU stopped at rip 0x401000 in a
// frame at 0x1000, whose caller's frame is at 0x2000 (the outermost).
func fakeStub(t *testing.T, conn net.Conn) {
	r := bufio.NewReader(conn)
	reply := func(s string) {
		var sum byte
		for i := 0; i < len(s); i++ {
			sum += s[i]
		}
		fmt.Fprintf(conn, "$%s#%02x", s, sum)
	}
	frame := func(next, ret uint64) string {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b, next)
		binary.LittleEndian.PutUint64(b[8:], ret)
		return hex.EncodeToString(b)
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			return
		}
		if c == 0x03 {
			reply("T02thread:01;")
			continue
		}
		if c != '$' {
			continue
		}
		pkt, err := r.ReadString('#')
		if err != nil {
			return
		}
		r.Discard(2)
		switch pkt = strings.TrimSuffix(pkt, "#"); {
		case strings.HasPrefix(pkt, "qSupported"):
			conn.Write([]byte("+"))
			reply("PacketSize=1000")
		case pkt == "QStartNoAckMode":
			conn.Write([]byte("+"))
			reply("OK")
		case pkt == "?":
			reply("T05thread:01;")
		case pkt == "c":
		case pkt == "g":
			regs := make([]byte, 24*8)
			binary.LittleEndian.PutUint64(regs[6*8:], 0x1000)    // RBP
			binary.LittleEndian.PutUint64(regs[16*8:], 0x401000) // RIP
			reply(hex.EncodeToString(regs))
		case pkt == "m1000,10":
			reply(frame(0x2000, 0x402000))
		case pkt == "m2000,10":
			reply(frame(0, 0x403000))
		case pkt == "D":
			reply("OK")
			return
		default:
			reply("E01")
		}
	}
}

func TestSampleWalksFramePointers(t *testing.T) {
	host, stub := net.Pipe()
	defer host.Close()
	go fakeStub(t, stub)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	stacks, err := Sample(ctx, host, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) < 3 {
		t.Fatalf("%d samples in 100 ms at 5 ms", len(stacks))
	}
	want := Stack{0x401000, 0x402000, 0x403000}
	for _, s := range stacks {
		if fmt.Sprint(s) != fmt.Sprint(want) {
			t.Fatalf("stack %x, want %x", s, want)
		}
	}
}

func TestSampleEndsWhenTheVMExits(t *testing.T) {
	host, stub := net.Pipe()
	go func() {
		r := bufio.NewReader(stub)
		for _, want := range []string{"qSupported", "QStartNoAckMode", "?"} {
			r.ReadString('#')
			r.Discard(2)
			switch want {
			case "?":
				fmt.Fprintf(stub, "$S05#b8")
			default:
				fmt.Fprintf(stub, "+$OK#9a")
			}
		}
		r.ReadString('#') // c
		r.Discard(2)
		r.ReadByte() // the first interrupt: the VM has exited
		fmt.Fprintf(stub, "$W00#b7")
		stub.Close()
	}()
	stacks, err := Sample(context.Background(), host, time.Millisecond)
	if err != nil || len(stacks) != 0 {
		t.Fatalf("got %d stacks, %v; want none and no error", len(stacks), err)
	}
}
