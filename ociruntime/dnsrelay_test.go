package ociruntime

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// A query to the relay reaches the first name server that answers, and
// its answer comes back to the asker.
func TestDNSRelay(t *testing.T) {
	upstream, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := upstream.ReadFrom(buf)
			if err != nil {
				return
			}
			upstream.WriteTo(append([]byte("answer to "), buf[:n]...), from)
		}
	}()
	_, port, _ := net.SplitHostPort(upstream.LocalAddr().String())
	relayConn, err := net.ListenPacket("udp4", "127.0.0.1:0") // a free port for the relay
	if err != nil {
		t.Fatal(err)
	}
	relay := relayConn.LocalAddr().String()
	relayConn.Close()
	// 127.0.0.2 answers nothing (nothing listens there): the relay goes on
	// to the next server.
	if err := serveDNSRelay(relay, []string{"127.0.0.2", "127.0.0.1"}, port); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp4", relay)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("query")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte("answer to query")) {
		t.Fatalf("relayed answer %q, %v", buf[:n], err)
	}
	if !needsRelay([]string{"127.0.0.11"}) || needsRelay([]string{"8.8.8.8"}) {
		t.Fatal("needsRelay")
	}
}
