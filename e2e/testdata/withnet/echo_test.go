package withnet

import (
	"bufio"
	"fmt"
	"net"
	"testing"
)

func TestShoutOverLoopback(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go Serve(l)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for i := 0; i < 3; i++ {
		fmt.Fprintf(c, "line %d\n", i)
		got, err := r.ReadString('\n')
		if want := fmt.Sprintf("LINE %d\n", i); got != want || err != nil {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
}
