package sockets

import (
	"bytes"
	"testing"
)

const AFPacket = 17

// sun is a sockaddr_un: a path (with its NUL) or, with a leading NUL, an
// abstract name (without one).
func sun(name string) []byte {
	b := []byte{AFUnix, 0}
	b = append(b, name...)
	if name != "" && name[0] != 0 {
		b = append(b, 0)
	}
	return b
}

func read(t *testing.T, id int32, n int) string {
	t.Helper()
	b := make([]byte, n)
	r := Read(id, iov(b), false)
	if r < 0 {
		t.Fatalf("read = %d", r)
	}
	return string(b[:r])
}

// A socketpair carries bytes both ways straight between the two rings;
// closing one end is end of file (and EPIPE) at the other; the stack
// never hears of any of it.
func TestUnixPair(t *testing.T) {
	pages := fresh(t, 64)
	a, b, e := Pair(SockStream, 0)
	if e != 0 {
		t.Fatalf("Pair = %d", e)
	}
	if ev := Ready(a); ev != EventOut {
		t.Errorf("fresh pair end ready %#x", ev)
	}
	if r := Write(a, iov([]byte("ping"), []byte("!"))); r != 5 {
		t.Fatalf("write = %d", r)
	}
	if Ready(b)&EventIn == 0 {
		t.Fatal("peer not readable")
	}
	if got := read(t, b, 3); got != "pin" {
		t.Fatalf("read %q", got)
	}
	if got := read(t, b, 10); got != "g!" {
		t.Fatalf("read %q", got)
	}
	if r := Read(b, iov(make([]byte, 4)), false); r != Wait {
		t.Fatalf("read of an empty ring = %d", r)
	}
	if r := Write(b, iov([]byte("pong"))); r != 4 || read(t, a, 10) != "pong" {
		t.Fatalf("write back = %d", r)
	}
	// Fill the peer's ring: the writer waits, and is not writable.
	big := make([]byte, 2*ringSize)
	if r := Write(a, iov(big)); r != ringSize {
		t.Fatalf("filling write = %d", r)
	}
	if r := Write(a, iov(big)); r != Wait {
		t.Fatalf("write to a full ring = %d", r)
	}
	if Ready(a)&EventOut != 0 {
		t.Error("writable with the peer's ring full")
	}
	for NextDirty() >= 0 {
	}
	Read(b, iov(big[:ringSize/2]), false)
	if !dirtyHas(a) {
		t.Error("reading did not tell the writer")
	}
	if Ready(a)&EventOut == 0 {
		t.Error("not writable after the peer read")
	}
	Close(a)
	if r := Read(b, iov(big), false); r != ringSize/2 {
		t.Fatalf("read of what was left = %d", r)
	}
	if r := Read(b, iov(big), false); r != 0 {
		t.Fatalf("read after the peer closed = %d, want end of file", r)
	}
	if r := Write(b, iov([]byte("x"))); r != -EPIPE {
		t.Fatalf("write after the peer closed = %d", r)
	}
	if ev := Ready(b); ev != EventIn|EventRdHup|EventHup|EventOut {
		t.Errorf("ready after the peer closed %#x", ev)
	}
	if n := Peer(b, make([]byte, 8)); n != 2 {
		t.Errorf("peer of an unnamed pair = %d, want the family alone", n)
	}
	Close(b)
	if w := takeWork(t); len(w) != 0 {
		t.Errorf("the stack got work for AF_UNIX sockets: %v", w)
	}
	if pages() != 0 {
		t.Errorf("%d pages left", pages())
	}
}

func dirtyHas(id int32) bool {
	for _, d := range dirtyList[:nDirty] {
		if d == id {
			return true
		}
	}
	return false
}

// A listener on a path (a file-system node: the caller found it by path)
// and one on an abstract name; connect, accept, the names each side sees.
func TestUnixListenConnectAccept(t *testing.T) {
	fresh(t, 64)
	l := Open(AFUnix, SockStream, 0)
	if r := Listen(l, 5); r != -EINVAL {
		t.Fatalf("listen unbound = %d", r)
	}
	path := sun("/tmp/s")
	if r := BindUnix(l, path, 42); r != 0 {
		t.Fatalf("bind = %d", r)
	}
	if r := BindUnix(l, path, 42); r != -EINVAL {
		t.Fatalf("second bind = %d", r)
	}
	c := Open(AFUnix, SockStream, 0)
	if r := ConnectUnix(c, LookupNode(42, SockStream), true); r != -ECONNREFUSED {
		t.Fatalf("connect before listen = %d", r)
	}
	if r := Listen(l, 0); r != 0 {
		t.Fatalf("listen = %d", r)
	}
	if LookupNode(42, SockDgram) != -EPROTOTYPE || LookupNode(43, SockStream) != -ECONNREFUSED {
		t.Fatal("lookup by node of another type or node")
	}
	if r := ConnectUnix(c, LookupNode(42, SockStream), true); r != 0 {
		t.Fatalf("connect = %d", r)
	}
	if r := ConnectUnix(c, l, true); r != -EISCONN {
		t.Fatalf("second connect = %d", r)
	}
	if Ready(l)&EventIn == 0 {
		t.Fatal("listener not readable with a connection queued")
	}
	// Backlog 0 holds one connection (as Linux counts); the next waits.
	c2 := Open(AFUnix, SockStream, 0)
	if r := ConnectUnix(c2, l, true); r != -EAGAIN {
		t.Fatalf("non-blocking connect to a full queue = %d", r)
	}
	if r := ConnectUnix(c2, l, false); r != Wait || TakeWaitKey(c2) != Key(l) || TakeWaitKey(c2) != Key(c2) {
		t.Fatalf("blocking connect to a full queue = %d, not waiting on the listener", r)
	}
	s := int32(Accept(l))
	if s < 0 {
		t.Fatalf("accept = %d", s)
	}
	if r := Accept(l); r != Wait {
		t.Fatalf("accept of an empty queue = %d", r)
	}
	var a [UnixAddrMax]byte
	if n := Local(s, a[:]); !bytes.Equal(a[:n], path) {
		t.Errorf("accepted socket's name %q", a[:n])
	}
	if n := Peer(c, a[:]); !bytes.Equal(a[:n], path) {
		t.Errorf("client's peer %q", a[:n])
	}
	if n := Peer(s, a[:]); n != 2 {
		t.Errorf("unnamed client seen as %q", a[:n])
	}
	if Write(c, iov([]byte("hi"))) != 2 || read(t, s, 8) != "hi" {
		t.Fatal("bytes client to server")
	}
	// Shutdown is mirrored: SHUT_WR is end of file over there, SHUT_RD
	// makes its writes fail.
	Shutdown(c, 1)
	if r := Read(s, iov(a[:]), false); r != 0 {
		t.Fatalf("read after the peer's SHUT_WR = %d", r)
	}
	Shutdown(c, 0)
	if r := Write(s, iov([]byte("x"))); r != -EPIPE {
		t.Fatalf("write after the peer's SHUT_RD = %d", r)
	}

	// Abstract names: unique per type, gone with their socket.
	abs := sun("\x00abstract")
	x := Open(AFUnix, SockSeqpacket, 0)
	if r := BindUnix(x, abs, 0); r != 0 {
		t.Fatalf("abstract bind = %d", r)
	}
	y := Open(AFUnix, SockSeqpacket, 0)
	if r := BindUnix(y, abs, 0); r != -EADDRINUSE {
		t.Fatalf("bind to a name in use = %d", r)
	}
	if LookupAbstract(abs, SockSeqpacket) != x || LookupAbstract(abs, SockStream) != -1 {
		t.Fatal("abstract lookup")
	}
	Close(x)
	if LookupAbstract(abs, SockSeqpacket) != -1 {
		t.Fatal("a closed socket's name is still found")
	}

	// A connection the listener never accepted is reset when it closes.
	c3 := Open(AFUnix, SockStream, 0)
	if r := ConnectUnix(c3, l, true); r != 0 {
		t.Fatalf("connect = %d", r)
	}
	Close(l)
	if r := Read(c3, iov(a[:]), false); r != -ECONNRESET {
		t.Fatalf("read from a connection its listener dropped = %d", r)
	}
	if r := Read(c3, iov(a[:]), false); r != 0 {
		t.Fatalf("read after the reset = %d", r)
	}
}

func TestUnixAutobind(t *testing.T) {
	fresh(t, 4)
	a, b := Open(AFUnix, SockDgram, 0), Open(AFUnix, SockDgram, 0)
	if Autobind(a) != 0 || Autobind(b) != 0 || Autobind(a) != 0 {
		t.Fatal("autobind failed")
	}
	var na, nb [UnixAddrMax]byte
	la, lb := Local(a, na[:]), Local(b, nb[:])
	if la != 8 || na[2] != 0 || bytes.Equal(na[:la], nb[:lb]) {
		t.Fatalf("autobind names %q and %q", na[:la], nb[:lb])
	}
	if LookupAbstract(na[:la], SockDgram) != a {
		t.Fatal("autobound name not found")
	}
}

// Datagrams carry their sender's name; a socket connected elsewhere
// takes none from strangers; a full receiver makes the sender wait on it.
func TestUnixDatagrams(t *testing.T) {
	fresh(t, 64)
	r := Open(AFUnix, SockDgram, 0)
	BindUnix(r, sun("/r"), 7)
	named := Open(AFUnix, SockDgram, 0)
	BindUnix(named, sun("\x00me"), 0)
	anon := Open(AFUnix, SockDgram, 0)
	if n := SendUnix(anon, iov([]byte("x")), -1); n != -ENOTCONN {
		t.Fatalf("send with no address or peer = %d", n)
	}
	if n := SendUnix(named, iov([]byte("from"), []byte(" me")), r); n != 7 {
		t.Fatalf("send = %d", n)
	}
	if n := SendUnix(anon, iov(nil), r); n != 0 {
		t.Fatalf("empty datagram = %d", n)
	}
	buf := make([]byte, 4)
	from := make([]byte, UnixAddrMax)
	n, full, alen := Recv(r, iov(buf), false, from)
	if n != 4 || full != 7 || string(buf) != "from" || !bytes.Equal(from[:alen], sun("\x00me")) {
		t.Fatalf("recv %d %d %q from %q", n, full, buf[:n], from[:alen])
	}
	if n, full, alen := Recv(r, iov(buf), false, from); n != 0 || full != 0 || alen != 0 {
		t.Fatalf("empty datagram from an unnamed socket: %d %d %d", n, full, alen)
	}
	if n, _, _ := Recv(r, iov(buf), false, from); n != Wait {
		t.Fatalf("recv of an empty queue = %d", n)
	}
	if n := ConnectUnix(r, named, true); n != 0 {
		t.Fatalf("connect = %d", n)
	}
	if n := SendUnix(anon, iov([]byte("x")), r); n != -EPERM {
		t.Fatalf("send to a socket connected elsewhere = %d", n)
	}
	DisconnectUnix(r)
	big := make([]byte, MaxUnixRecord)
	if n := SendUnix(anon, iov(big[:MaxUnixRecord-dgramHeader]), r); n != MaxUnixRecord-dgramHeader {
		t.Fatalf("large send = %d", n)
	}
	if n := SendUnix(anon, iov(make([]byte, MaxUnixRecord+1)), r); n != -EMSGSIZE {
		t.Fatalf("oversized send = %d", n)
	}
	if n := SendUnix(anon, iov(big), r); n != Wait || TakeWaitKey(anon) != Key(r) {
		t.Fatalf("send to a full receiver = %d, not waiting on it", n)
	}
	// The read that frees a quarter of the ring tells the blocked sender
	// (epoll learns it may write again).
	for NextDirty() >= 0 {
	}
	SendUnix(named, iov([]byte("x")), r) // a small one behind the big one
	Recv(r, iov(buf), false, nil)
	if !dirtyHas(anon) {
		t.Fatal("the receiver's read did not tell the blocked sender")
	}
	// A connected socket whose peer closed: ECONNREFUSED, then unconnected.
	if ConnectUnix(anon, named, true) != 0 || Ready(anon)&EventOut == 0 {
		t.Fatal("connect to named")
	}
	Close(named)
	if n := SendUnix(anon, iov(buf), -1); n != -ECONNREFUSED {
		t.Fatalf("send to a closed peer = %d", n)
	}
	if n := SendUnix(anon, iov(buf), -1); n != -ENOTCONN {
		t.Fatalf("send after the peer went = %d", n)
	}
}

// SOCK_SEQPACKET: a connection that keeps message boundaries.
func TestUnixSeqpacket(t *testing.T) {
	fresh(t, 64)
	lone := Open(AFUnix, SockSeqpacket, 0)
	if n, _, _ := Recv(lone, iov(make([]byte, 4)), false, nil); n != -ENOTCONN {
		t.Fatalf("recv on an unconnected seqpacket socket = %d", n)
	}
	a, b, _ := Pair(SockSeqpacket, 0)
	SendUnix(a, iov([]byte("one")), -1)
	SendUnix(a, iov([]byte("two!")), -1)
	if q := RxQueued(b); q != 3 {
		t.Fatalf("FIONREAD = %d", q)
	}
	buf := make([]byte, 10)
	if n, full, alen := Recv(b, iov(buf), false, nil); n != 3 || full != 3 || alen != 0 {
		t.Fatalf("recv %d %d %d", n, full, alen)
	}
	if n, _, _ := Recv(b, iov(buf[:2]), false, nil); n != 2 {
		t.Fatalf("truncated recv %d", n)
	}
	Close(a)
	if n, _, _ := Recv(b, iov(buf), false, nil); n != 0 {
		t.Fatalf("recv after the peer closed = %d", n)
	}
	if n := SendUnix(b, iov(buf), -1); n != -EPIPE {
		t.Fatalf("send after the peer closed = %d", n)
	}
}

// Passed descriptors (slots of files in flight) travel with the first byte
// of their message: a stream read that starts there takes them and stops
// before the next message that carries some; unread ones are dropped with
// their socket.
func TestUnixRights(t *testing.T) {
	fresh(t, 64)
	a, b, _ := Pair(SockStream, 0)
	Write(a, iov([]byte("plain ")))
	SetSendRights([]int32{7, 9})
	Write(a, iov([]byte("with fds")))
	SetSendRights([]int32{11})
	Write(a, iov([]byte("X")))
	if n := NextDropped(); n != -1 {
		t.Fatalf("a carried right left behind: %d", n)
	}
	var got [MaxRights]int32
	if s := read(t, b, 100); s != "plain " || TakeReceivedRights(&got) != 0 {
		t.Fatalf("first read %q, or it took rights", s)
	}
	if s := read(t, b, 100); s != "with fds" || TakeReceivedRights(&got) != 2 || got[0] != 7 || got[1] != 9 {
		t.Fatalf("second read %q, rights %v", s, got[:2])
	}
	// A send that cannot go leaves its rights to be dropped.
	SetSendRights([]int32{13})
	Shutdown(b, 0)
	if r := Write(a, iov([]byte("y"))); r != -EPIPE || NextDropped() != 13 {
		t.Fatalf("write to a closed reader = %d, or its right was not dropped", r)
	}
	Close(b) // "X" and its right were never read
	if NextDropped() != 11 || NextDropped() != -1 {
		t.Fatal("the unread message's right was not dropped with its socket")
	}

	// Datagrams: the right travels with its record.
	r := Open(AFUnix, SockDgram, 0)
	w := Open(AFUnix, SockDgram, 0)
	SendUnix(w, iov([]byte("one")), r)
	SetSendRights([]int32{3})
	SendUnix(w, iov(nil), r)
	buf := make([]byte, 8)
	if n, _, _ := Recv(r, iov(buf), false, nil); n != 3 || TakeReceivedRights(&got) != 0 {
		t.Fatal("first datagram took a right")
	}
	if n, _, _ := Recv(r, iov(buf), false, nil); n != 0 || TakeReceivedRights(&got) != 1 || got[0] != 3 {
		t.Fatal("empty datagram with a right")
	}
}
