package instance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/internal/lockfile"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
)

// The monitor: one process per instance, from `unigo run -d` (or start,
// restart) until the instance has ended. It boots the VM, writes its
// console to the log and its state to the state file, takes stop and kill
// requests (requests.go), and boots the VM again when the restart policy
// says so. Its steps read top to bottom in run.

// DefaultStopTime is how long `unigo stop` gives the app after SIGTERM.
const DefaultStopTime = 10 * time.Second

const (
	monitorLock = "monitor.lock"
	monitorSock = "monitor.sock"
	monitorLog  = "monitor.log"
)

// RunMonitor runs the monitor of instance name in this process, until the
// instance has ended. ready receives "ok\n" once the first boot has started,
// or "error: MESSAGE\n" if it could not, and is closed.
func (is *Instances) RunMonitor(name string, ready io.WriteCloser) error {
	m := &monitor{is: is, ready: ready, reqs: make(chan request), done: make(chan struct{}), output: make(chan struct{}, 1)}
	err := m.run(name)
	// The state is final and the lock free: say why the VM did not start, if
	// it did not, and answer the requests.
	switch {
	case err != nil:
		m.tell("error: " + err.Error())
	case m.st.Exit != nil && m.st.Exit.Reason == ReasonFailed:
		m.tell("error: " + m.st.Exit.Detail)
	}
	close(m.done)
	m.answersMu.Lock()
	m.closing = true
	m.answersMu.Unlock()
	m.answers.Wait()
	return err
}

type monitor struct {
	is    *Instances
	st    *State
	log   *consoleLog
	sinks *consoleSinks // where the console goes besides the log
	ready io.WriteCloser

	reqs      chan request  // from the request socket and SIGTERM
	done      chan struct{} // closed once the final state is written and the lock released
	answersMu sync.Mutex
	answers   sync.WaitGroup // requests being answered
	closing   bool           // no more answers: the process is about to exit
	output    chan struct{}  // the guest wrote its first output of this boot
	written   atomic.Bool    // set at the first output of a boot

	ended        string // "stop", "kill" or "checkpoint" once asked: no more boots
	checkpointed string // the checkpoint written before the VM was powered off
	waiting      time.Duration
}

func (m *monitor) run(name string) error {
	lock, ok, err := lockfile.TryAcquire(m.is.path(name, monitorLock))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("instance %s is already running", name)
	}
	defer lock.Unlock()
	if m.st, err = m.is.readState(name); err != nil {
		return err
	}
	if m.st.Monitor, err = ProcOf(os.Getpid()); err != nil {
		return err
	}
	stopServing, err := m.serveRequests()
	if err != nil {
		return err
	}
	defer stopServing()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		<-sigs // a shutdown of the host: end as `unigo stop` would
		m.request(request{verb: "stop", grace: DefaultStopTime})
	}()
	if m.log, err = openConsoleLog(m.is.path(name, consoleFile), m.sawOutput); err != nil {
		return fmt.Errorf("cannot open the log of %s: %w", name, err)
	}
	defer m.log.close()
	if m.sinks, err = openIO(m.st.IO); err != nil {
		return err
	}
	defer m.sinks.close()

	m.st.Restarts = 0
	for {
		exit := m.boot()
		exit.LastLines = m.log.lastLines()
		m.st.Exit, m.st.FinishedAt = exit, time.Now().UTC()
		if exit.Reason == ReasonFailed || m.ended != "" || !m.st.Spec.Restart.Again(exit.Code, m.st.Restarts) || !m.pause() {
			break
		}
		m.st.Restarts++
	}
	m.st.Phase = Exited
	return m.is.writeState(m.st)
}

// boot runs the VM once, from start to end, and says how it ended.
func (m *monitor) boot() *Exit {
	// A start from a checkpoint is this boot's only: a restart, or a start
	// after this one failed, boots afresh.
	restore := m.st.Restore
	m.st.Restore, m.st.RestoredFrom = "", ""
	l, err := launch.Prepare(context.Background(), launch.Env{Root: m.is.root}, m.st.Spec)
	if err != nil {
		return m.failed(err)
	}
	defer l.Release() // the volumes' leases last as long as this boot's VM
	stdout, stderr := m.log.stream("stdout"), m.log.stream("stderr")
	l.Spec.Stdout, l.Spec.Stderr = m.sinks.stdout.tee(stdout), m.sinks.stderr.tee(stderr)
	if restore != "" {
		l.Spec.Restore, m.st.RestoredFrom = m.is.checkpointPath(m.st.Name, restore), restore
	}
	// The ports the app serves, as the VM's control reader tells them:
	// queued without blocking it (the VM's end waits for that reader).
	var (
		listenMu sync.Mutex
		pending  []vmm.Listen
		listens  = make(chan struct{}, 1)
	)
	l.Spec.Listens = func(ev vmm.Listen) {
		listenMu.Lock()
		pending = append(pending, ev)
		listenMu.Unlock()
		select {
		case listens <- struct{}{}:
		default:
		}
	}
	m.st.Listening = nil
	m.written.Store(false)
	select {
	case <-m.output: // from the boot before
	default:
	}
	started := time.Now()
	vm, err := l.Start(context.Background())
	if err != nil {
		return m.failed(err)
	}
	m.st.Phase, m.st.StartedAt, m.st.BootTimeMs, m.st.Exit = Running, started.UTC(), 0, nil
	m.st.VMM, _ = ProcOf(vm.Pid())
	if err := m.is.writeState(m.st); err != nil {
		vm.Stop()
		vm.Wait()
		return m.failed(err)
	}
	hostnet.WaitHeld(m.st.Spec.Publish, 5*time.Second)
	m.tell("ok")
	// The monitor lives as long as the VM: what preparing it took (the
	// image read and checked) goes back to the host now, not at the
	// runtime's leisure.
	debug.FreeOSMemory()

	type result struct {
		exit vmm.Exit
		err  error
	}
	waited := make(chan result, 1)
	go func() {
		e, err := vm.Wait()
		waited <- result{e, err}
	}()
	var grace <-chan time.Time
	for {
		select {
		case <-m.output:
			m.st.BootTimeMs = float64(time.Since(started).Microseconds()) / 1000
			m.st.VMM, _ = ProcOf(vm.Pid()) // another process after a fallback to TCG
			m.is.writeState(m.st)
		case <-listens:
			listenMu.Lock()
			for _, ev := range pending {
				m.st.Listening = listening(m.st.Listening, ev)
			}
			pending = nil
			listenMu.Unlock()
			m.is.writeState(m.st)
		case req := <-m.reqs:
			if req.verb == "checkpoint" {
				err := m.writeCheckpoint(vm, l.Spec.Disks, req.checkpoint, req.leave)
				req.written <- err
				if err != nil || req.leave {
					continue
				}
				m.checkpointed = req.checkpoint
			}
			m.take(req)
			if req.verb == "stop" && vm.Signal(15) == nil {
				grace = time.After(req.grace)
			} else {
				vm.Stop()
			}
		case <-grace:
			vm.Stop()
		case r := <-waited:
			stdout.flush()
			stderr.flush()
			m.st.Listening = nil
			return m.exitOf(r.exit, r.err)
		}
	}
}

// listening is ports (as Status.Listening has them) after ev: a port is
// there once for each socket that serves it.
func listening(ports []string, ev vmm.Listen) []string {
	p := fmt.Sprintf("%d/tcp", ev.Port)
	if ev.UDP {
		p = fmt.Sprintf("%d/udp", ev.Port)
	}
	if ev.Open {
		return append(ports, p)
	}
	for i, q := range ports {
		if q == p {
			return append(ports[:i:i], ports[i+1:]...)
		}
	}
	return ports
}

// sawOutput is the console log's hook: the first output of a boot.
func (m *monitor) sawOutput() {
	if !m.written.Swap(true) {
		select {
		case m.output <- struct{}{}:
		default:
		}
	}
}

// pause waits before a restart, with the state saying so; false if a stop
// or kill came meanwhile.
func (m *monitor) pause() bool {
	m.st.Phase = Restarting
	m.is.writeState(m.st)
	again := time.After(restartDelay(m.st.Restarts))
	for {
		select {
		case req := <-m.reqs:
			if req.verb == "checkpoint" {
				req.written <- errors.New("the instance is not running: it is waiting to restart")
				continue
			}
			m.take(req)
			return false
		case <-again:
			return true
		}
	}
}

func (m *monitor) failed(err error) *Exit {
	return &Exit{Code: codeFailed, Reason: ReasonFailed, Detail: err.Error()}
}

// exitOf turns how the VM ended into the instance's Exit.
func (m *monitor) exitOf(e vmm.Exit, err error) *Exit {
	if err != nil {
		return &Exit{Code: codeKilled, Reason: ReasonKilled, Detail: err.Error()}
	}
	x := &Exit{Code: e.Code(), Detail: e.Detail}
	switch e.Reason {
	case vmm.Exited:
		x.Reason = ReasonExited
	case vmm.Signaled:
		x.Reason = ReasonSignaled
	case vmm.Crashed:
		x.Reason = ReasonCrashed
	case vmm.Reset:
		x.Reason, x.Detail = ReasonReset, e.String()
	case vmm.VMFailed:
		x.Reason = ReasonVMFailed
	case vmm.Stopped:
		x.Code = codeKilled
		switch m.ended {
		case "stop":
			x.Reason = ReasonStopped
			x.Detail = fmt.Sprintf("the app did not exit within %v of SIGTERM: the VM was powered off", m.waiting)
		case "checkpoint":
			x.Code, x.Reason = 0, ReasonCheckpointed
			x.Detail = fmt.Sprintf("the VM's state was written to checkpoint %s: 'unigo start --checkpoint %s %s' resumes it", m.checkpointed, m.checkpointed, m.st.Name)
		default:
			x.Reason, x.Detail = ReasonKilled, "the VM was powered off by 'unigo kill'"
		}
	}
	return x
}

// tell reports on the ready channel, once.
func (m *monitor) tell(msg string) {
	if m.ready != nil {
		fmt.Fprintln(m.ready, msg)
		m.ready.Close()
		m.ready = nil
	}
}
