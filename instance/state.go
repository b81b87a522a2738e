package instance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"unigo.dev/unigo/internal/atomicfile"
)

// Status is where an instance is in its life.
type Status string

const (
	Created    Status = "created"    // made, its monitor not started yet
	Running    Status = "running"    // the VM is up
	Restarting Status = "restarting" // the VM ended; the restart policy boots it again soon
	Exited     Status = "exited"     // no VM, no monitor
)

// State is an instance's state file: what `unigo ps` and `unigo inspect`
// show. Its monitor writes it (atomically) while it lives; after that only
// a command that holds the monitor lock may.
type State struct {
	Name    string    `json:"name"`
	Spec    Spec      `json:"spec"`
	Created time.Time `json:"created"`
	Status  Status    `json:"status"`
	// Summary is the status in one phrase, as `unigo ps` shows it:
	// "running", "exited (0)", "exited (killed)"...
	Summary string `json:"state"`

	Monitor    Proc      `json:"monitor"` // the monitor process
	QEMU       Proc      `json:"qemu"`    // the VMM process of the current or last boot
	StartedAt  time.Time `json:"startedAt,omitzero"`
	BootTimeMs float64   `json:"bootTimeMs,omitempty"` // from starting QEMU to the guest's first output
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	Exit       *Exit     `json:"exit,omitempty"` // how the last boot ended
	Restarts   int       `json:"restarts"`       // boots by the restart policy
}

// Reasons an instance's VM ended (Exit.Reason).
const (
	ReasonExited   = "exited"    // the app exited with Code
	ReasonSignaled = "signaled"  // the app died of a signal (Code is 128+N)
	ReasonCrashed  = "crashed"   // the guest kernel crashed (Detail says why)
	ReasonReset    = "reset"     // the VM reset without an exit status (triple fault)
	ReasonVMFailed = "vm-failed" // the hypervisor could not run the guest
	ReasonStopped  = "stopped"   // unigo stop: the app did not exit in time and was powered off
	ReasonKilled   = "killed"    // unigo kill, or QEMU or the monitor was killed
	ReasonFailed   = "failed"    // the VM could not be started
)

// Exit is how an instance's VM ended.
type Exit struct {
	Code   int    `json:"code"` // as `unigo run` would have exited
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
	// LastLines are the console's last lines (COM1 and COM2).
	LastLines []string `json:"lastLines,omitempty"`
}

// Codes of instances that did not end by the app's own doing.
const (
	codeKilled = 137 // 128+SIGKILL, as for a container
	codeFailed = 125
)

const stateFile = "state.json"

func (is *Instances) statePath(name string) string { return is.path(name, stateFile) }

func (is *Instances) readState(name string) (*State, error) {
	data, err := os.ReadFile(is.statePath(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q: 'unigo ps -a' lists the instances", ErrNotFound, name)
	}
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("the state of instance %s (%s) is damaged: %v: remove the instance with 'unigo rm -f %s'", name, is.statePath(name), err, name)
	}
	return &st, nil
}

func (is *Instances) writeState(st *State) error {
	return writeStateFile(is.statePath(st.Name), st)
}

func writeStateFile(path string, st *State) error {
	st.Summary = st.summary()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot record the state of instance %s: %w", st.Name, err)
	}
	return nil
}

// settle makes a state read from disk tell the truth about processes that
// died without recording it: a monitor that is gone ended its instance
// (its VM dies with it). It changes only the copy in memory.
func (st *State) settle() {
	if st.Status == Exited || st.Monitor.Pid == 0 || st.Monitor.Alive() {
		st.Summary = st.summary()
		return
	}
	if st.Status == Running && st.QEMU.Alive() {
		// QEMU dies with its monitor, unless that failed.
		st.Summary = "running (unsupervised)"
		return
	}
	st.Status = Exited
	detail := fmt.Sprintf("the monitor (pid %d) is gone without recording how the VM ended", st.Monitor.Pid)
	last := []string(nil)
	if st.Exit != nil {
		last = st.Exit.LastLines
	}
	st.Exit = &Exit{Code: codeKilled, Reason: ReasonKilled, Detail: detail, LastLines: last}
	st.Summary = st.summary()
}

// live tells whether the instance has a VM or is about to (the monitor is
// running, booting it or waiting to restart it).
func (st *State) live() bool { return st.Status == Running || st.Status == Restarting }

func (st *State) summary() string {
	if st.Status != Exited || st.Exit == nil {
		return string(st.Status)
	}
	switch st.Exit.Reason {
	case ReasonExited:
		return fmt.Sprintf("exited (%d)", st.Exit.Code)
	case ReasonSignaled:
		return fmt.Sprintf("exited (signal %d)", st.Exit.Code-128)
	}
	return fmt.Sprintf("exited (%s)", st.Exit.Reason)
}
