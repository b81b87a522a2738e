package instance

import (
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// IO is where an instance's console goes besides its log: a file or a FIFO
// per stream that the monitor opens for writing when it starts and keeps
// across restarts (an OCI shim's stdio FIFOs, read by the container
// engine). Empty means the log only; `unigo logs` reads the log either way.
type IO struct {
	Stdout string `json:"stdout,omitempty"`
	Stderr string `json:"stderr,omitempty"`
}

// consoleSinks are the opened destinations of an IO.
type consoleSinks struct {
	stdout, stderr *sink
}

// openIO opens the destinations. A FIFO must have its reader already: it is
// opened without waiting for one, so a monitor never hangs on a FIFO
// nobody reads (ENXIO says so).
func openIO(dst IO) (*consoleSinks, error) {
	s := &consoleSinks{}
	var err error
	if s.stdout, err = openSink(dst.Stdout); err != nil {
		return nil, err
	}
	if s.stderr, err = openSink(dst.Stderr); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func openSink(path string) (*sink, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the console's destination %s: %w (a FIFO needs its reader first)", path, err)
	}
	return &sink{f: f}, nil
}

func (s *consoleSinks) close() {
	for _, k := range []*sink{s.stdout, s.stderr} {
		if k != nil {
			k.f.Close()
		}
	}
}

// tee is w, with the stream also copied to its sink, if any.
func (k *sink) tee(w io.Writer) io.Writer {
	if k == nil {
		return w
	}
	return teeWriter{w, k}
}

// A sink is one destination. Its reader may go away (the engine stopped
// reading): then the sink is dropped, and the log and the VM carry on.
type sink struct {
	mu     sync.Mutex
	f      *os.File
	broken bool
}

func (k *sink) Write(p []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.broken {
		_, err := k.f.Write(p)
		k.broken = err != nil
	}
}

// teeWriter writes to w and, best effort, to the sink.
type teeWriter struct {
	w    io.Writer
	sink *sink
}

func (t teeWriter) Write(p []byte) (int, error) {
	t.sink.Write(p)
	return t.w.Write(p)
}
