package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// watched is one running process whose output is watched for the app's
// line: QEMU (the guest's consoles), the app itself, or the container
// runtime's client (docker run, runc run). Every subject of every benchmark
// is launched and timed through it, so they are all timed the same way.
type watched struct {
	cmd     *exec.Cmd
	name    string // the program, for messages
	match   func(line string) bool
	started time.Time

	lineSeen chan struct{} // closed when a console line matched
	exited   chan struct{} // closed when the process exited

	mu       sync.Mutex
	lineAt   time.Time
	lineText string // the console line that matched
	exitAt   time.Time
	waitErr  error
	tail     tailBuffer   // last console output, for error messages
	other    bytes.Buffer // output that is not a console (QEMU's own stdout and stderr)
	control  []string     // lines on the control channel

	readers   sync.WaitGroup
	writeEnds []*os.File // closed once the process has them
	pipeErr   error
}

// newWatched prepares cmd to be watched for a console line that match
// accepts. Consoles and the control channel are added with console and
// controlChannel before start.
func newWatched(cmd *exec.Cmd, match func(string) bool) *watched {
	w := &watched{match: match, lineSeen: make(chan struct{}), exited: make(chan struct{})}
	w.tail.max = 4096
	if cmd != nil {
		w.setCommand(cmd)
	}
	return w
}

// setCommand gives a watched made without its command (a VMM prepares it
// with the consoles' pipes) the command.
func (w *watched) setCommand(cmd *exec.Cmd) {
	w.cmd, w.name = cmd, filepath.Base(cmd.Path)
}

// closeWriteEnds closes the pipes of a watched that will not start.
func (w *watched) closeWriteEnds() {
	for _, f := range w.writeEnds {
		f.Close()
	}
	w.readers.Wait()
}

// lineMatcher accepts the console line that ends with line. A serial
// console ends lines with CR LF, and a kernel message written at the same
// time may precede the app's text on the same line.
func lineMatcher(line string) func(string) bool {
	return func(s string) bool {
		s = strings.TrimRight(s, "\r\n \t")
		return line != "" && strings.HasSuffix(s, line)
	}
}

// pipe returns the write end of a new pipe whose read end r reads.
func (w *watched) pipe(read func(io.ReadCloser)) *os.File {
	r, wr, err := os.Pipe()
	if err != nil {
		if w.pipeErr == nil {
			w.pipeErr = err
		}
		return nil
	}
	w.writeEnds = append(w.writeEnds, wr)
	w.readers.Add(1)
	go read(r)
	return wr
}

// console returns the write end of a pipe watched for the line; give it to
// the process (Stdout, Stderr, or ExtraFiles).
func (w *watched) console() *os.File { return w.pipe(w.watch) }

// controlChannel returns the write end of a pipe whose lines are kept (the
// unigo guest's control channel: "exit 0").
func (w *watched) controlChannel() *os.File { return w.pipe(w.readControl) }

// start starts the process. The clock starts right before it is created.
// Output not given to a console is kept for error messages.
func (w *watched) start() error {
	defer func() {
		for _, f := range w.writeEnds {
			f.Close()
		}
	}()
	if w.pipeErr != nil {
		return w.pipeErr
	}
	out := &lockedWriter{mu: &w.mu, w: &w.other}
	if w.cmd.Stdout == nil {
		w.cmd.Stdout = out
	}
	if w.cmd.Stderr == nil {
		w.cmd.Stderr = out
	}
	if w.cmd.SysProcAttr == nil {
		w.cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	w.cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL // nothing outlives the benchmark
	w.started = time.Now()
	if err := w.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", w.cmd.Path, err)
	}
	go func() {
		err := w.cmd.Wait()
		now := time.Now()
		w.mu.Lock()
		w.exitAt, w.waitErr = now, err
		w.mu.Unlock()
		close(w.exited)
	}()
	return nil
}

// watch reads one console, keeps its tail, and records when the line
// appears.
func (w *watched) watch(r io.ReadCloser) {
	defer w.readers.Done()
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		s, err := br.ReadString('\n')
		if len(s) > 0 {
			now := time.Now()
			w.mu.Lock()
			w.tail.Write([]byte(s))
			got := strings.HasSuffix(s, "\n") && w.match(s)
			first := got && w.lineAt.IsZero()
			if first {
				w.lineAt, w.lineText = now, strings.TrimRight(s, "\r\n")
			}
			w.mu.Unlock()
			if first {
				close(w.lineSeen)
			}
		}
		if err != nil {
			return
		}
	}
}

func (w *watched) readControl(r io.ReadCloser) {
	defer w.readers.Done()
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		w.mu.Lock()
		w.control = append(w.control, sc.Text())
		w.mu.Unlock()
	}
}

var errTimeout = errors.New("timed out")

// waitLine waits for the app's line and returns the time from launch.
func (w *watched) waitLine(timeout time.Duration) (time.Duration, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-w.lineSeen:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.lineAt.Sub(w.started), nil
	case <-w.exited:
		// The line may have been read just before the exit was noticed.
		w.readers.Wait()
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.lineAt.IsZero() {
			return w.lineAt.Sub(w.started), nil
		}
		return 0, fmt.Errorf("%s exited (%s) before the app's line appeared%s", w.name, exitDesc(w.waitErr), w.diagLocked())
	case <-t.C:
		w.mu.Lock()
		defer w.mu.Unlock()
		return 0, fmt.Errorf("%w after %v waiting for the app's line%s", errTimeout, timeout, w.diagLocked())
	}
}

// waitExit waits for the process to exit and returns the time from launch.
func (w *watched) waitExit(timeout time.Duration) (time.Duration, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-w.exited:
		w.readers.Wait()
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.exitAt.Sub(w.started), nil
	case <-t.C:
		w.mu.Lock()
		defer w.mu.Unlock()
		return 0, fmt.Errorf("%w after %v waiting for %s to exit%s", errTimeout, timeout, w.name, w.diagLocked())
	}
}

// kill ends the process if it still runs and waits for it.
func (w *watched) kill() {
	select {
	case <-w.exited:
	default:
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
	w.readers.Wait()
}

// running reports whether the process has not exited yet.
func (w *watched) running() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

func (w *watched) pid() int { return w.cmd.Process.Pid }

// line returns the console line that matched ("" before it appeared).
func (w *watched) line() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lineText
}

// controlLines returns what was written on the control channel.
func (w *watched) controlLines() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.control...)
}

// diagLocked formats what the process and its consoles last said, for an
// error.
// Preconditions: w.mu is held.
func (w *watched) diagLocked() string {
	var b strings.Builder
	if s := strings.TrimSpace(w.other.String()); s != "" {
		fmt.Fprintf(&b, "; %s said: %s", w.name, lastLines(s, 3))
	}
	if s := strings.TrimSpace(w.tail.String()); s != "" {
		fmt.Fprintf(&b, "; console ended with: %q", lastLines(s, 3))
	} else {
		b.WriteString("; the consoles stayed silent")
	}
	return b.String()
}

func exitDesc(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r", ""), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
