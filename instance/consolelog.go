package instance

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"time"
)

// The console log is JSON lines, one record per line of output:
//
//	{"time":"2026-11-24T08:50:13.123456789Z","stream":"stdout","log":"hello\n"}
//
// as Docker's json-file logs are. A line that stays unfinished for a moment
// is written as it is (without "\n") and continued by the next record of its
// stream, so that a prompt shows at once.
type logRecord struct {
	Time   time.Time `json:"time"`
	Stream string    `json:"stream"` // "stdout" (COM1) or "stderr" (COM2)
	Log    string    `json:"log"`
}

const (
	consoleFile   = "console.log"
	lastLinesKept = 20
	partialAfter  = 200 * time.Millisecond // an unfinished line is written after this
	maxLine       = 16 << 10               // a longer line is written in pieces
)

// consoleLog appends the console to the log file and remembers its last
// lines.
type consoleLog struct {
	mu     sync.Mutex
	f      *os.File
	last   []string
	output func() // called at each write of the guest's output (see monitor)
}

func openConsoleLog(path string, output func()) (*consoleLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &consoleLog{f: f, output: output}, nil
}

func (l *consoleLog) record(stream string, text []byte) {
	data, _ := json.Marshal(logRecord{Time: time.Now().UTC(), Stream: stream, Log: string(text)})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.f.Write(append(data, '\n'))
	if line := strings.TrimRight(string(text), "\r\n"); line != "" {
		l.last = append(l.last, line)
		if len(l.last) > lastLinesKept {
			l.last = l.last[len(l.last)-lastLinesKept:]
		}
	}
}

// lastLines returns the last lines written and forgets them.
func (l *consoleLog) lastLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	last := l.last
	l.last = nil
	return last
}

func (l *consoleLog) close() error { return l.f.Close() }

// stream returns the writer for one console stream.
func (l *consoleLog) stream(name string) *logStream {
	return &logStream{log: l, name: name}
}

// logStream turns one stream's writes into records: a record per line.
type logStream struct {
	log  *consoleLog
	name string

	mu    sync.Mutex
	buf   []byte
	timer *time.Timer
}

func (s *logStream) Write(p []byte) (int, error) {
	if s.log.output != nil {
		s.log.output()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			break
		}
		s.log.record(s.name, s.buf[:i+1])
		s.buf = s.buf[i+1:]
	}
	if len(s.buf) >= maxLine {
		s.flushLocked()
	}
	if len(s.buf) > 0 && s.timer == nil {
		s.timer = time.AfterFunc(partialAfter, s.flush)
	}
	return len(p), nil
}

// flush writes an unfinished line as it is.
func (s *logStream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
}

func (s *logStream) flushLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if len(s.buf) > 0 {
		s.log.record(s.name, s.buf)
		s.buf = s.buf[:0]
	}
}
