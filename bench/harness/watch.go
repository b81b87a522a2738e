package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"unigo.dev/unigo/bench/measure"
)

// Watched is one running process whose output is watched for the app's
// line: QEMU (the guest's consoles), the app itself, or the container
// runtime's client (docker run, runc run). Every subject of every benchmark
// is started and timed through it, so they are all timed the same way.
type Watched struct {
	// What the benchmarks read of a running app, set by whoever starts it.
	Addr   string                        // host address of the app's HTTP port
	Procs  func() ([]int, string, error) // the host processes that make it up, and what they are
	AppPID func() (int, error)           // the app's own process on the host (nil for a VM)

	cmd     *exec.Cmd
	name    string // the program, for messages
	match   func(line string) bool
	started time.Time

	onStop   func() // ends what killing the process leaves (a container)
	after    func() // cleans up once it has ended (a cgroup, a VM's leases)
	stopOnce sync.Once

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

// NewWatched prepares cmd to be watched for a console line that match
// accepts. Consoles and the control channel are added with Console and
// ControlChannel before Start. A nil cmd is given later (SetCommand), once
// a VMM has made it with the consoles' pipes.
func NewWatched(cmd *exec.Cmd, match func(string) bool) *Watched {
	w := &Watched{match: match, lineSeen: make(chan struct{}), exited: make(chan struct{})}
	w.tail.max = 4096
	if cmd != nil {
		w.SetCommand(cmd)
	}
	return w
}

// SetCommand gives a Watched made without its command the command.
func (w *Watched) SetCommand(cmd *exec.Cmd) {
	w.cmd, w.name = cmd, filepath.Base(cmd.Path)
}

// OnStop sets what Stop does before it kills the process, and after, what
// it does once the process has ended.
func (w *Watched) OnStop(before, after func()) { w.onStop, w.after = before, after }

// Abandon closes the pipes of a Watched that will not start.
func (w *Watched) Abandon() {
	for _, f := range w.writeEnds {
		f.Close()
	}
	w.readers.Wait()
}

// LineMatcher accepts the console line that ends with line. A serial
// console ends lines with CR LF, and a kernel message written at the same
// time may precede the app's text on the same line.
func LineMatcher(line string) func(string) bool {
	return func(s string) bool {
		s = strings.TrimRight(s, "\r\n \t")
		return line != "" && strings.HasSuffix(s, line)
	}
}

// pipe returns the write end of a new pipe whose read end r reads.
func (w *Watched) pipe(read func(io.ReadCloser)) *os.File {
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

// Console returns the write end of a pipe watched for the line; give it to
// the process (Stdout, Stderr, or ExtraFiles).
func (w *Watched) Console() *os.File { return w.pipe(w.watch) }

// ControlChannel returns the write end of a pipe whose lines are kept (the
// unigo guest's control channel: "exit 0").
func (w *Watched) ControlChannel() *os.File { return w.pipe(w.readControl) }

// Start starts the process. The clock starts right before it is created.
// Output not given to a console is kept for error messages. The command's
// ExtraFiles are closed once it has started (it has its copies): a VMM's
// helper on the other end of one (passt) then ends with the VM.
func (w *Watched) Start() error {
	defer func() {
		for _, f := range w.writeEnds {
			f.Close()
		}
		for _, f := range w.cmd.ExtraFiles {
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
func (w *Watched) watch(r io.ReadCloser) {
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

func (w *Watched) readControl(r io.ReadCloser) {
	defer w.readers.Done()
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		w.mu.Lock()
		w.control = append(w.control, sc.Text())
		w.mu.Unlock()
	}
}

// WaitLine waits for the app's line and returns the time from the start.
func (w *Watched) WaitLine(timeout time.Duration) (time.Duration, error) {
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
		return 0, fmt.Errorf("%w after %v waiting for the app's line%s", measure.ErrTimeout, timeout, w.diagLocked())
	}
}

// WaitExit waits for the process to exit and returns the time from the
// start.
func (w *Watched) WaitExit(timeout time.Duration) (time.Duration, error) {
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
		return 0, fmt.Errorf("%w after %v waiting for %s to exit%s", measure.ErrTimeout, timeout, w.name, w.diagLocked())
	}
}

// Stop ends the process and everything it started (OnStop), if it still
// runs, waits for it, and cleans up after it. Only the first call does.
func (w *Watched) Stop() {
	w.stopOnce.Do(func() {
		if w.onStop != nil {
			w.onStop()
		}
		select {
		case <-w.exited:
		default:
			_ = w.cmd.Process.Kill()
			<-w.exited
		}
		w.readers.Wait()
		if w.after != nil {
			w.after()
		}
	})
}

// Running reports whether the process has not exited yet.
func (w *Watched) Running() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// Exited is closed once the process has exited.
func (w *Watched) Exited() <-chan struct{} { return w.exited }

// Started is when the process was started.
func (w *Watched) Started() time.Time { return w.started }

// Pid is the process's ID.
func (w *Watched) Pid() int { return w.cmd.Process.Pid }

// Line returns the console line that matched ("" before it appeared).
func (w *Watched) Line() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lineText
}

// ControlLines returns what was written on the control channel.
func (w *Watched) ControlLines() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.control...)
}

// RSS returns the summed resident memory of the processes that make up
// the running app (Procs), and what they are.
func (w *Watched) RSS() (int64, string, error) {
	pids, what, err := w.Procs()
	if err != nil {
		return 0, "", err
	}
	var sum int64
	for _, p := range pids {
		n, err := ProcRSS(p)
		if err != nil {
			return 0, "", err
		}
		sum += n
	}
	return sum, what, nil
}

// Diag says what the process and its consoles last said, for an error.
func (w *Watched) Diag() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimPrefix(w.diagLocked(), "; ")
}

// diagLocked formats what the process and its consoles last said, for an
// error.
// Preconditions: w.mu is held.
func (w *Watched) diagLocked() string {
	var b strings.Builder
	if s := strings.TrimSpace(w.other.String()); s != "" {
		fmt.Fprintf(&b, "; %s said: %s", w.name, measure.LastLines(s, 3))
	}
	if s := strings.TrimSpace(w.tail.String()); s != "" {
		fmt.Fprintf(&b, "; console ended with: %q", measure.LastLines(s, 3))
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
