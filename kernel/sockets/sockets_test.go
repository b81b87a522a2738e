package sockets

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unsafe"

	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/privcalls"
)

// fresh resets the package and backs its rings with Go memory (at most
// limit pages), as the host has no frame allocator. It returns the number
// of pages in use.
func fresh(t *testing.T, limit int) func() int {
	pages := map[uintptr]*[memory.PageSize]byte{}
	next := uintptr(0x1000)
	oldAlloc, oldFree, oldAt := allocPage, freePage, pageAt
	allocPage = func() uintptr {
		if len(pages) >= limit {
			return 0
		}
		p := next
		next += memory.PageSize
		pages[p] = new([memory.PageSize]byte)
		return p
	}
	freePage = func(p uintptr) {
		if pages[p] == nil {
			t.Fatalf("page %#x freed twice", p)
		}
		delete(pages, p)
	}
	pageAt = func(p uintptr) *[memory.PageSize]byte {
		if pages[p] == nil {
			t.Fatalf("page %#x not allocated", p)
		}
		return pages[p]
	}
	table = [MaxSockets]socket{}
	workHead, workTail, workPosted, attached, nDirty = -1, -1, false, false, 0
	inFlight, nSendRights, nGotRights, nDropped = [len(inFlight)]rightsMsg{}, 0, 0, 0
	t.Cleanup(func() { allocPage, freePage, pageAt = oldAlloc, oldFree, oldAt })
	Attach()
	return func() int { return len(pages) }
}

// iov is a gather list of Go buffers (kept alive by the caller).
func iov(bufs ...[]byte) *IOV {
	v := &IOV{}
	for _, b := range bufs {
		if len(b) > 0 {
			v.Base[v.N] = uintptr(unsafe.Pointer(&b[0]))
		}
		v.Len[v.N] = uintptr(len(b))
		v.N++
	}
	return v
}

func sin(port uint16, ip ...byte) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, AFInet)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[4:], ip)
	return b
}

// addrs is a privcalls.Addrs block.
func addrs(local, remote []byte) []byte {
	b := make([]byte, privcalls.AddrsSize)
	binary.LittleEndian.PutUint32(b[privcalls.AddrsLocal:], uint32(len(local)))
	copy(b[privcalls.AddrsLocal+4:], local)
	binary.LittleEndian.PutUint32(b[privcalls.AddrsRemote:], uint32(len(remote)))
	copy(b[privcalls.AddrsRemote+4:], remote)
	return b
}

// takeWork returns the pending work records as (socket, bits) pairs.
func takeWork(t *testing.T) map[int32]uint32 {
	buf := make([]byte, 16*privcalls.WorkSize)
	n := TakeWork(buf)
	got := map[int32]uint32{}
	for off := 0; off < n; off += privcalls.WorkSize {
		got[int32(binary.LittleEndian.Uint32(buf[off:]))] = binary.LittleEndian.Uint32(buf[off+privcalls.WorkBits:])
	}
	return got
}

func TestRingWrapsAcrossPages(t *testing.T) {
	fresh(t, ringPages)
	var r ring
	data := make([]byte, ringSize)
	for i := range data {
		data[i] = byte(i * 13)
	}
	if n := r.write(data[:ringSize-100]); n != ringSize-100 {
		t.Fatalf("wrote %d", n)
	}
	out := make([]byte, ringSize)
	if n := r.read(out[:ringSize-200]); n != ringSize-200 || !bytes.Equal(out[:n], data[:n]) {
		t.Fatalf("read %d", n)
	}
	// 100 bytes left at the end; 5000 more wrap to the start.
	if n := r.write(data[:5000]); n != 5000 || r.count != 5100 {
		t.Fatalf("wrote %d, count %d", n, r.count)
	}
	var peek [50]byte
	if r.peek(peek[:], 90); !bytes.Equal(peek[:10], data[ringSize-110:ringSize-100]) || !bytes.Equal(peek[10:], data[:40]) {
		t.Fatal("peek across the wrap")
	}
	if n := r.read(out); n != 5100 || !bytes.Equal(out[100:5100], data[:5000]) {
		t.Fatalf("read %d across the wrap", n)
	}
	r.release()
}

func TestRingOutOfPages(t *testing.T) {
	fresh(t, 2)
	var r ring
	if n := r.write(make([]byte, 3*memory.PageSize)); n != 2*memory.PageSize {
		t.Fatalf("wrote %d with two pages", n)
	}
	if r.reserve(1) {
		t.Fatal("reserve succeeded without pages")
	}
	r.release()
}

func TestNoStackNoSockets(t *testing.T) {
	fresh(t, 10)
	Detach()
	if id := Open(AFInet, SockStream, 0); id != -EAFNOSUPPORT {
		t.Fatalf("Open without a stack = %d", id)
	}
	if id := Open(AFUnix, SockStream, 0); id < 0 {
		t.Fatalf("AF_UNIX without a stack = %d", id) // the stack plays no part in it
	}
	Attach()
	if Attach() {
		t.Fatal("a second stack attached")
	}
	if id := Open(AFPacket, SockDgram, 0); id != -EAFNOSUPPORT {
		t.Fatalf("AF_PACKET = %d", id)
	}
	if id := Open(AFInet, 3, 0); id != -ESOCKTNOSUPPORT {
		t.Fatalf("SOCK_RAW = %d", id)
	}
	if id := Open(AFInet, SockStream, IPProtoUDP); id != -EPROTONOSUPPORT {
		t.Fatalf("TCP socket with UDP = %d", id)
	}
}

// A client connection: connect, bytes both ways, end of stream, reset.
func TestStreamConnection(t *testing.T) {
	fresh(t, 64)
	id := Open(AFInet, SockStream, 0)
	if got := takeWork(t); got[id] != privcalls.WorkOpen {
		t.Fatalf("work after open: %v", got)
	}
	if ev := Ready(id); ev != EventOut|EventHup {
		t.Errorf("unconnected socket ready %#x", ev)
	}
	if r := Connect(id, sin(80, 127, 0, 0, 1), true); r != -EINPROGRESS {
		t.Fatalf("connect = %d", r)
	}
	if r := Connect(id, sin(80, 127, 0, 0, 1), true); r != -EALREADY {
		t.Fatalf("connect again = %d", r)
	}
	if got := takeWork(t); got[id] != privcalls.WorkConnect {
		t.Fatalf("work after connect: %v", got)
	}
	if Ready(id) != 0 || Peer(id, make([]byte, 28)) != -ENOTCONN {
		t.Fatal("a connecting socket is ready or has a peer")
	}
	buf := make([]byte, 100)
	if r := Read(id, iov(buf), false); r != Wait {
		t.Fatalf("read while connecting = %d", r)
	}
	local, remote := sin(40000, 127, 0, 0, 1), sin(80, 127, 0, 0, 1)
	if r := Ctl(id, privcalls.CtlConnected, 0, addrs(local, remote)); r != 0 {
		t.Fatalf("CtlConnected = %d", r)
	}
	if NextDirty() != id || Ready(id) != EventOut {
		t.Fatalf("connected socket ready %#x", Ready(id))
	}
	peer := make([]byte, 28)
	if n := Peer(id, peer); n != 16 || !bytes.Equal(peer[:16], remote) {
		t.Fatalf("peer %x", peer[:n])
	}
	if n := Local(id, peer); n != 16 || !bytes.Equal(peer[:16], local) {
		t.Fatalf("local %x", peer[:n])
	}

	msg := []byte("GET / HTTP/1.0\r\n\r\n")
	if r := Write(id, iov(msg[:4], msg[4:])); r != int64(len(msg)) {
		t.Fatalf("write = %d", r)
	}
	Write(id, iov([]byte("more")))
	rec := make([]byte, 2*privcalls.WorkSize)
	if n := TakeWork(rec); n != privcalls.WorkSize || binary.LittleEndian.Uint32(rec[privcalls.WorkBits:]) != privcalls.WorkSend {
		t.Fatalf("work after writes (one WorkSend): %x", rec[:n])
	}
	if q := binary.LittleEndian.Uint32(rec[privcalls.WorkQueued:]); q != uint32(len(msg))+4 {
		t.Fatalf("the record says %d bytes queued", q)
	}
	if q := IO(id, privcalls.IOQueued, nil, nil); q != int64(len(msg))+4 {
		t.Fatalf("queued %d", q)
	}
	// A pull given room for it reports what is left in the ring.
	rest := make([]byte, 4)
	if n := IO(id, privcalls.IOPull, buf[:4], rest); n != 4 || string(buf[:n]) != "GET " || binary.LittleEndian.Uint32(rest) != uint32(len(msg)) {
		t.Fatalf("pulled %q, %d left", buf[:n], binary.LittleEndian.Uint32(rest))
	}
	if n := IO(id, privcalls.IOPull, buf, rest); n != int64(len(msg)) || string(buf[:n]) != string(msg[4:])+"more" || binary.LittleEndian.Uint32(rest) != 0 {
		t.Fatalf("pulled %q, %d left", buf[:n], binary.LittleEndian.Uint32(rest))
	}

	// The stack fills the receive ring; the app drains it and the stack is
	// told there is room.
	big := bytes.Repeat([]byte("x"), ringSize+10)
	if n := IO(id, privcalls.IOPush, big, nil); n != ringSize {
		t.Fatalf("pushed %d into an empty ring", n)
	}
	if Ready(id)&EventIn == 0 {
		t.Fatal("not readable with bytes in the ring")
	}
	if r := Read(id, iov(buf[:10], buf[10:]), true); r != 100 {
		t.Fatalf("peek = %d", r)
	}
	if r := Read(id, iov(buf), false); r != 100 {
		t.Fatalf("read = %d", r)
	}
	if got := takeWork(t); got[id] != privcalls.WorkRecv {
		t.Fatalf("work after reading a full ring: %v", got)
	}
	for Read(id, iov(buf), false) > 0 {
	}
	if r := Read(id, iov(buf), false); r != Wait {
		t.Fatalf("read of an empty ring = %d", r)
	}

	Ctl(id, privcalls.CtlEOF, 0, nil)
	if r := Read(id, iov(buf), false); r != 0 {
		t.Fatalf("read after EOF = %d", r)
	}
	if ev := Ready(id); ev&(EventIn|EventRdHup) != EventIn|EventRdHup {
		t.Errorf("after EOF ready %#x", ev)
	}
	Ctl(id, privcalls.CtlError, ECONNRESET, nil)
	if ev := Ready(id); ev&(EventErr|EventHup) != EventErr|EventHup {
		t.Errorf("after reset ready %#x", ev)
	}
	if r := Write(id, iov(msg)); r != -ECONNRESET {
		t.Fatalf("write after reset = %d", r)
	}
	if r := Write(id, iov(msg)); r != -EPIPE {
		t.Fatalf("second write after reset = %d", r)
	}
	Close(id)
	if got := takeWork(t); got[id] != privcalls.WorkClose {
		t.Fatalf("work after close: %v", got)
	}
	if r := Ctl(id, privcalls.CtlRelease, 0, nil); r != 0 || get(id) != nil {
		t.Fatalf("release = %d", r)
	}
}

func TestConnectRefused(t *testing.T) {
	fresh(t, 4)
	id := Open(AFInet, SockStream, 0)
	if r := Connect(id, sin(1, 127, 0, 0, 1), false); r != Wait {
		t.Fatalf("blocking connect = %d", r)
	}
	Ctl(id, privcalls.CtlError, 111, nil)
	if r := Connect(id, sin(1, 127, 0, 0, 1), false); r != -111 {
		t.Fatalf("blocking connect after refusal = %d", r)
	}
	id2 := Open(AFInet, SockStream, 0)
	Connect(id2, sin(1, 127, 0, 0, 1), true)
	Ctl(id2, privcalls.CtlError, 111, nil)
	if ev := Ready(id2); ev&(EventOut|EventErr) != EventOut|EventErr {
		t.Errorf("refused socket ready %#x", ev)
	}
	var v [4]byte
	if n := GetOpt(id2, 1, soError, v[:]); n != 4 || binary.LittleEndian.Uint32(v[:]) != 111 {
		t.Fatalf("SO_ERROR = %d %v", n, v)
	}
	if GetOpt(id2, 1, soError, v[:]); binary.LittleEndian.Uint32(v[:]) != 0 {
		t.Fatal("SO_ERROR not cleared by reading it")
	}
}

// Bind and listen wait for the stack's answer; accepted connections queue.
func TestListenerAndAccept(t *testing.T) {
	fresh(t, 16)
	l := Open(AFInet, SockStream, 0)
	takeWork(t)
	if r := Bind(l, sin(0, 127, 0, 0, 1)[:8]); r != -EINVAL {
		t.Fatalf("short address = %d", r)
	}
	if r := Bind(l, sin(0, 127, 0, 0, 1)); r != Wait {
		t.Fatalf("bind = %d", r)
	}
	buf := make([]byte, 4*privcalls.WorkSize)
	if n := TakeWork(buf); n != privcalls.WorkSize || binary.LittleEndian.Uint32(buf[privcalls.WorkBits:]) != privcalls.WorkBind ||
		!bytes.Equal(buf[privcalls.WorkAddr:privcalls.WorkAddr+16], sin(0, 127, 0, 0, 1)) {
		t.Fatalf("bind record %x", buf[:privcalls.WorkSize])
	}
	if r := Bind(l, sin(0, 127, 0, 0, 1)); r != Wait {
		t.Fatalf("bind before the answer = %d", r)
	}
	bound := sin(8080, 127, 0, 0, 1)
	Ctl(l, privcalls.CtlDone, 0, addrs(bound, nil))
	if r := Bind(l, sin(0, 127, 0, 0, 1)); r != 0 {
		t.Fatalf("bind after the answer = %d", r)
	}
	if r := Bind(l, sin(0, 127, 0, 0, 1)); r != -EINVAL {
		t.Fatalf("second bind = %d", r)
	}
	if r := Listen(l, 128); r != Wait {
		t.Fatalf("listen = %d", r)
	}
	Ctl(l, privcalls.CtlDone, 0, nil)
	if r := Listen(l, 128); r != 0 {
		t.Fatalf("listen after the answer = %d", r)
	}
	if r := Accept(l); r != Wait {
		t.Fatalf("accept of an empty queue = %d", r)
	}
	var kids []int64
	for i := 0; i < 3; i++ {
		c := Ctl(l, privcalls.CtlAccepted, 0, addrs(bound, sin(uint16(50000+i), 127, 0, 0, 1)))
		if c < 0 {
			t.Fatalf("CtlAccepted = %d", c)
		}
		kids = append(kids, c)
	}
	if Ready(l) != EventIn {
		t.Fatalf("listener with connections ready %#x", Ready(l))
	}
	c := Accept(l)
	if c != kids[0] || Ready(int32(c))&EventOut == 0 {
		t.Fatalf("accepted %d, want %d", c, kids[0])
	}
	peer := make([]byte, 16)
	if Peer(int32(c), peer); binary.BigEndian.Uint16(peer[2:]) != 50000 {
		t.Fatalf("accepted peer %x", peer)
	}
	takeWork(t)
	Close(l)
	got := takeWork(t)
	if got[l] != privcalls.WorkClose || got[int32(kids[1])] != privcalls.WorkClose || got[int32(kids[2])] != privcalls.WorkClose || got[int32(c)] != 0 {
		t.Fatalf("closing a listener with two queued connections: %v", got)
	}
	if r := Ctl(l, privcalls.CtlAccepted, 0, nil); r != -EINVAL {
		t.Fatalf("a closed listener accepted %d", r)
	}
}

func TestDatagrams(t *testing.T) {
	fresh(t, 64)
	id := Open(AFInet, SockDgram, 0)
	payload := []byte("hello, datagram")
	if r := Send(id, iov(payload), nil); r != -EDESTADDRREQ {
		t.Fatalf("send without an address = %d", r)
	}
	to := sin(53, 127, 0, 0, 1)
	if r := Send(id, iov(payload[:5], payload[5:]), to); r != int64(len(payload)) {
		t.Fatalf("send = %d", r)
	}
	if r := Send(id, iov(make([]byte, MaxDatagram+1)), to); r != -EMSGSIZE {
		t.Fatalf("oversized send = %d", r)
	}
	if q := IO(id, privcalls.IOQueued, nil, nil); q != int64(len(payload)) {
		t.Fatalf("queued %d", q)
	}
	buf := make([]byte, 100)
	a := make([]byte, 4+privcalls.SockaddrSize)
	if n := IO(id, privcalls.IOPullDgram, buf, a); n != int64(len(payload)) || !bytes.Equal(buf[:n], payload) ||
		binary.LittleEndian.Uint32(a) != 16 || !bytes.Equal(a[4:20], to) {
		t.Fatalf("pulled %d %q from %x", n, buf, a)
	}
	if n := IO(id, privcalls.IOPullDgram, buf, a); n != -EAGAIN {
		t.Fatalf("pull of an empty queue = %d", n)
	}

	from := sin(9999, 127, 0, 0, 2)
	src := append(binary.LittleEndian.AppendUint32(nil, 16), from...)
	for _, m := range []string{"first", "second datagram"} {
		if r := IO(id, privcalls.IOPushDgram, []byte(m), src); r != int64(len(m)) {
			t.Fatalf("push = %d", r)
		}
	}
	if Ready(id)&EventIn == 0 {
		t.Fatal("not readable with datagrams queued")
	}
	got := make([]byte, 3)
	addr := make([]byte, 28)
	n, full, alen := Recv(id, iov(got), false, addr)
	if n != 3 || full != 5 || alen != 16 || string(got) != "fir" || !bytes.Equal(addr[:16], from) {
		t.Fatalf("truncated recv: %d %d %d %q", n, full, alen, got)
	}
	got = make([]byte, 100)
	if n, full, _ := Recv(id, iov(got[:6], got[6:]), false, nil); n != 15 || full != 15 || string(got[:n]) != "second datagram" {
		t.Fatalf("recv = %d %d %q", n, full, got[:n])
	}
	if n, _, _ := Recv(id, iov(got), false, nil); n != Wait {
		t.Fatalf("recv of an empty queue = %d", n)
	}

	// connect sets the default peer once the stack agrees.
	if r := Connect(id, to, true); r != Wait {
		t.Fatalf("datagram connect = %d", r)
	}
	Ctl(id, privcalls.CtlDone, 0, addrs(sin(40000, 127, 0, 0, 1), nil))
	if r := Connect(id, to, true); r != 0 {
		t.Fatalf("datagram connect after the answer = %d", r)
	}
	if n := Peer(id, addr); n != 16 || !bytes.Equal(addr[:16], to) {
		t.Fatalf("datagram peer %x", addr[:n])
	}
	if r := Send(id, iov(payload), nil); r != int64(len(payload)) {
		t.Fatalf("send to the peer = %d", r)
	}
	if n := IO(id, privcalls.IOPullDgram, buf, a); n != int64(len(payload)) || binary.LittleEndian.Uint32(a) != 0 {
		t.Fatalf("pulled a datagram to the peer: %d, address length %d", n, binary.LittleEndian.Uint32(a))
	}
}

func TestOptions(t *testing.T) {
	fresh(t, 4)
	id := Open(AFInet6, SockStream, 0)
	takeWork(t)
	one := binary.LittleEndian.AppendUint32(nil, 1)
	for _, o := range [][2]int{{solSocket, soReuseAddr}, {ipprotoTCP, tcpNoDelay}, {ipprotoIPv6, ipv6V6Only}, {solSocket, soKeepAlive}} {
		if r := SetOpt(id, o[0], o[1], one); r != 0 {
			t.Fatalf("setsockopt %v = %d", o, r)
		}
	}
	buf := make([]byte, privcalls.WorkSize)
	TakeWork(buf)
	want := uint32(privcalls.OptReuseAddr | privcalls.OptNoDelay | privcalls.OptV6Only | privcalls.OptKeepAlive)
	if binary.LittleEndian.Uint32(buf[privcalls.WorkBits:]) != privcalls.WorkOptions || binary.LittleEndian.Uint32(buf[privcalls.WorkOptFlags:]) != want {
		t.Fatalf("options record %x", buf)
	}
	v := make([]byte, 8)
	if n := GetOpt(id, ipprotoTCP, tcpNoDelay, v); n != 4 || v[0] != 1 {
		t.Fatalf("TCP_NODELAY = %d %v", n, v)
	}
	if n := GetOpt(id, solSocket, soType, v); n != 4 || v[0] != SockStream {
		t.Fatalf("SO_TYPE = %d %v", n, v)
	}
	if r := SetOpt(id, solSocket, soSndBuf, binary.LittleEndian.AppendUint32(nil, 4096)); r != 0 {
		t.Fatal(r)
	}
	if GetOpt(id, solSocket, soSndBuf, v); binary.LittleEndian.Uint32(v) != 8192 {
		t.Fatalf("SO_SNDBUF reads %d, want twice what was set", binary.LittleEndian.Uint32(v))
	}
	linger := append(binary.LittleEndian.AppendUint32(nil, 1), binary.LittleEndian.AppendUint32(nil, 5)...)
	if SetOpt(id, solSocket, soLinger, linger); GetOpt(id, solSocket, soLinger, v) != 8 || !bytes.Equal(v, linger) {
		t.Fatalf("SO_LINGER %v", v)
	}
	// Not implemented, but kept: TCP_USER_TIMEOUT (18).
	if GetOpt(id, ipprotoTCP, 18, v) != -ENOPROTOOPT {
		t.Fatal("an option never set has a value")
	}
	SetOpt(id, ipprotoTCP, 18, binary.LittleEndian.AppendUint32(nil, 30000))
	if GetOpt(id, ipprotoTCP, 18, v) != 4 || binary.LittleEndian.Uint32(v) != 30000 {
		t.Fatalf("stored option reads %v", v)
	}
	if SetOpt(id, 999, 1, one) != -ENOPROTOOPT || SetOpt(id, ipprotoUDP, 1, one) != -ENOPROTOOPT {
		t.Fatal("options of unknown or foreign levels accepted")
	}
	id4 := Open(AFInet, SockDgram, 0)
	if SetOpt(id4, ipprotoIPv6, ipv6V6Only, one) != -ENOPROTOOPT {
		t.Fatal("IPV6_V6ONLY accepted on an IPv4 socket")
	}
}

// The work queue keeps order and each socket once; the dirty list wakes.
func TestWorkQueueAndEvents(t *testing.T) {
	fresh(t, 8)
	a := Open(AFInet, SockStream, 0)
	b := Open(AFInet, SockStream, 0)
	if !WorkPending() || !HasEvents() || !TakeWorkPosted() || TakeWorkPosted() {
		t.Fatal("work not announced once")
	}
	Connect(a, sin(1, 127, 0, 0, 1), true)
	buf := make([]byte, 8*privcalls.WorkSize)
	n := TakeWork(buf[:privcalls.WorkSize+10])
	if n != privcalls.WorkSize || binary.LittleEndian.Uint32(buf) != uint32(a) ||
		binary.LittleEndian.Uint32(buf[privcalls.WorkBits:]) != privcalls.WorkOpen|privcalls.WorkConnect {
		t.Fatalf("first record %x", buf[:16])
	}
	if n := TakeWork(buf); n != privcalls.WorkSize || binary.LittleEndian.Uint32(buf) != uint32(b) {
		t.Fatalf("second record %x", buf[:16])
	}
	if WorkPending() || TakeWork(buf) != 0 {
		t.Fatal("work left")
	}
	for NextDirty() >= 0 {
	}
	Ctl(a, privcalls.CtlConnected, 0, nil)
	Ctl(a, privcalls.CtlEOF, 0, nil)
	if NextDirty() != a || NextDirty() != -1 {
		t.Fatal("a socket that changed twice is not dirty once")
	}
	if Ctl(b, 99, 0, nil) != -EINVAL || Ctl(MaxSockets+1, privcalls.CtlEOF, 0, nil) != -EBADF {
		t.Fatal("bad NetCtl accepted")
	}
}

func TestPagesReturned(t *testing.T) {
	inUse := fresh(t, 64)
	id := Open(AFInet, SockStream, 0)
	Connect(id, sin(1, 127, 0, 0, 1), true)
	Ctl(id, privcalls.CtlConnected, 0, nil)
	Write(id, iov(make([]byte, 20000)))
	IO(id, privcalls.IOPush, make([]byte, 30000), nil)
	if n := inUse(); n != 5+8 {
		t.Errorf("%d pages for 20000 and 30000 bytes", n)
	}
	Close(id)
	Ctl(id, privcalls.CtlRelease, 0, nil)
	if n := inUse(); n != 0 {
		t.Errorf("%d pages left after release", n)
	}
}

// A listener's queue takes backlog+1 connections, as Linux's does; then
// the stack holds the next until accept makes room.
func TestAcceptBacklog(t *testing.T) {
	fresh(t, 8)
	l := Open(AFInet, SockStream, 0)
	Listen(l, 1)
	Ctl(l, privcalls.CtlDone, 0, nil)
	Listen(l, 1)
	takeWork(t)
	for i := 0; i < 2; i++ {
		if c := Ctl(l, privcalls.CtlAccepted, 0, nil); c < 0 {
			t.Fatalf("connection %d refused: %d", i, c)
		}
	}
	if c := Ctl(l, privcalls.CtlAccepted, 0, nil); c != -EAGAIN {
		t.Fatalf("third connection with backlog 1 = %d", c)
	}
	if got := takeWork(t); len(got) != 0 {
		t.Fatalf("work before accept: %v", got)
	}
	Accept(l)
	if got := takeWork(t); got[l] != privcalls.WorkRecv {
		t.Fatalf("work after accept made room: %v", got)
	}
}

// The table fills up (ENFILE), and a released slot is used again.
func TestTableFull(t *testing.T) {
	fresh(t, 64)
	for i := range MaxSockets {
		if id := Open(AFInet, SockStream, 0); id != int32(i) {
			t.Fatalf("socket %d: Open = %d", i, id)
		}
	}
	if id := Open(AFInet, SockStream, 0); id != -ENFILE {
		t.Fatalf("Open in a full table = %d, want -ENFILE", id)
	}
	Close(7)
	Ctl(7, privcalls.CtlRelease, 0, nil)
	if id := Open(AFInet6, SockDgram, 0); id != 7 {
		t.Fatalf("Open after a release = %d, want the freed slot 7", id)
	}
}
