package registry

import (
	"io"
	"net"
	"strings"
	"sync/atomic"
)

// wireCounter is a TCP proxy to a registry that counts the bytes it carries
// both ways: what a push or a pull costs on the network, for any client.
type wireCounter struct {
	Addr  string // localhost:PORT, for clients
	l     net.Listener
	to    string
	bytes atomic.Int64
}

func startWireCounter(to string) (*wireCounter, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &wireCounter{Addr: strings.Replace(l.Addr().String(), "127.0.0.1", "localhost", 1), l: l, to: to}
	go w.serve()
	return w, nil
}

func (w *wireCounter) serve() {
	for {
		c, err := w.l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", w.to)
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{})
			go func() {
				w.copy(up, c)
				up.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			w.copy(c, up)
			c.(*net.TCPConn).CloseWrite()
			<-done
		}()
	}
}

// copy carries src to dst, counting each chunk as it passes: a client (the
// Docker engine) may keep its connections open after its command ended.
func (w *wireCounter) copy(dst io.Writer, src io.Reader) {
	io.Copy(countingWriter{dst, &w.bytes}, src)
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// Take returns the bytes counted since the last Take.
func (w *wireCounter) Take() int64 { return w.bytes.Swap(0) }

// Close stops the proxy.
func (w *wireCounter) Close() {
	w.l.Close()
}
