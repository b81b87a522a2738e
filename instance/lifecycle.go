package instance

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"unigo.dev/unigo/internal/lockfile"
	"unigo.dev/unigo/launch"
)

// startTimeout bounds the wait for a new monitor to start the VM.
const startTimeout = time.Minute

// Run creates an instance and starts it; if it cannot start, nothing of it
// is left.
func (is *Instances) Run(ctx context.Context, name string, spec launch.Config, dst IO) (*State, error) {
	st, err := is.Create(name, spec, dst)
	if err != nil {
		return nil, err
	}
	if err := is.Start(ctx, st.Name); err != nil {
		is.remove(st.Name)
		return nil, err
	}
	return is.Get(st.Name)
}

// Start starts the monitor of an instance that is not running, in a
// session of its own, and returns once it has started the VM.
func (is *Instances) Start(ctx context.Context, name string) error {
	st, err := is.Get(name)
	if err != nil {
		return err
	}
	if st.live() {
		return fmt.Errorf("instance %s is already running", name)
	}
	argv := is.MonitorCommand
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot find the unigo executable to run the monitor: %w", err)
		}
		argv = []string{exe, MonitorArg}
	}
	logf, err := os.OpenFile(is.path(name, monitorLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cannot start instance %s: %w", name, err)
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(argv[0], append(argv[1:], name)...)
	cmd.Env = append(os.Environ(), "UNIGO_ROOT="+is.root)
	cmd.Dir = is.path(name)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{w} // fd 3: the monitor says "ok" or why not
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("cannot start the monitor of %s: %w", name, err)
	}
	go cmd.Wait() // reaps it if it ends while this process lives

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		switch {
		case s == "ok":
			return nil
		case strings.HasPrefix(s, "error: "):
			return errors.New(strings.TrimPrefix(s, "error: "))
		}
		msg, _ := os.ReadFile(is.path(name, monitorLog))
		return fmt.Errorf("the monitor of %s ended before starting the VM%s", name, colonLast(string(msg)))
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(startTimeout):
		return fmt.Errorf("the monitor of %s did not start the VM within %v: see %s", name, startTimeout, is.path(name, monitorLog))
	}
}

// Stop delivers SIGTERM to the app, gives it grace to exit, then powers the
// VM off; it returns once the instance has ended. Stopping an instance that
// is not running does nothing.
func (is *Instances) Stop(name string, grace time.Duration) (*State, error) {
	return is.end(name, fmt.Sprintf("stop %d", grace.Milliseconds()), grace+30*time.Second, false)
}

// Kill powers the VM off at once (QMP quit; QEMU is killed if that fails).
func (is *Instances) Kill(name string) (*State, error) {
	return is.end(name, "kill", 30*time.Second, true)
}

func (is *Instances) end(name, req string, timeout time.Duration, mustRun bool) (*State, error) {
	st, err := is.Get(name)
	if err != nil {
		return nil, err
	}
	if !st.live() {
		if mustRun {
			return nil, fmt.Errorf("instance %s is not running (%s)", name, st.Summary)
		}
		return st, nil
	}
	if err := is.ask(name, req, timeout); errors.Is(err, errNoMonitor) {
		if err := is.reap(name); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return is.Get(name)
}

// reap ends an instance whose monitor is gone: it kills a QEMU that
// outlived it and records how the instance ended.
func (is *Instances) reap(name string) error {
	lock, err := is.lockMonitor(name, fmt.Sprintf("the monitor of %s holds its lock but does not answer: try again, or kill it (pid in 'unigo inspect %s')", name, name))
	if err != nil {
		return err
	}
	defer lock.Unlock()
	st, err := is.readState(name)
	if err != nil {
		return err
	}
	if st.Phase == Exited {
		return nil
	}
	detail := "the monitor was gone"
	if st.VMM.Alive() {
		syscall.Kill(st.VMM.Pid, syscall.SIGKILL)
		for i := 0; i < 100 && st.VMM.Alive(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		detail = fmt.Sprintf("the monitor was gone; QEMU (pid %d) was killed", st.VMM.Pid)
	}
	st.settle()
	if st.Phase != Exited {
		return fmt.Errorf("QEMU (pid %d) of instance %s does not die", st.VMM.Pid, name)
	}
	st.Exit.Detail = detail
	st.FinishedAt = time.Now().UTC()
	return is.writeState(st)
}

// Restart stops the instance if it runs, then starts it again.
func (is *Instances) Restart(ctx context.Context, name string, grace time.Duration) error {
	if _, err := is.Stop(name, grace); err != nil {
		return err
	}
	return is.Start(ctx, name)
}

// Remove deletes an instance that is not running; with force, a running one
// is killed first.
func (is *Instances) Remove(name string, force bool) error {
	st, err := is.Get(name)
	if err != nil {
		return err
	}
	if st.live() {
		if !force {
			return fmt.Errorf("instance %s is running: stop it first ('unigo stop %s') or use 'unigo rm -f %s'", name, name, name)
		}
		if _, err := is.Kill(name); err != nil {
			return err
		}
	}
	return is.remove(name)
}

// remove deletes the directory of an instance whose monitor is gone: it
// disappears at once (renamed), then is deleted.
func (is *Instances) remove(name string) error {
	lock, err := is.lockMonitor(name, fmt.Sprintf("instance %s was started again meanwhile", name))
	if err != nil {
		return err
	}
	defer lock.Unlock()
	dirLock, err := lockfile.Acquire(filepath.Join(is.dir, ".lock"))
	if err != nil {
		return err
	}
	b := make([]byte, 4)
	rand.Read(b)
	trash := filepath.Join(is.dir, ".rm-"+name+"-"+hex.EncodeToString(b))
	err = os.Rename(is.path(name), trash)
	dirLock.Unlock()
	if err != nil {
		return fmt.Errorf("cannot remove instance %s: %w", name, err)
	}
	return os.RemoveAll(trash)
}

// lockMonitor takes the monitor lock of an instance, which no monitor holds
// then: busy is the error if one does.
func (is *Instances) lockMonitor(name, busy string) (*lockfile.Lock, error) {
	lock, ok, err := lockfile.TryAcquire(is.path(name, monitorLock))
	if err == nil && !ok {
		err = errors.New(busy)
	}
	return lock, err
}

func colonLast(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	return ": " + lines[len(lines)-1]
}
