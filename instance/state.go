package instance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/launch"
)

// Phase is where an instance is in its life.
type Phase string

const (
	Created    Phase = "created"    // made, its monitor not started yet
	Running    Phase = "running"    // the VM is up
	Restarting Phase = "restarting" // the VM ended; the restart policy boots it again soon
	Exited     Phase = "exited"     // no VM, no monitor
)

// State is an instance's state file: what `unigo ps` and `unigo inspect`
// show. As Kubernetes objects do, it keeps what was asked (Spec: the run
// configuration, with the image's defaults merged and its ID pinned) apart
// from what happened (Status). Its monitor writes it (atomically) while it
// lives; after that only a command that holds the monitor lock may.
type State struct {
	Version int           `json:"version"` // stateVersion; files without one are from unigo before it (legacy.go)
	Name    string        `json:"name"`
	Created time.Time     `json:"created"`
	Spec    launch.Config `json:"spec"`
	IO      IO            `json:"io,omitzero"` // where the console goes besides the log
	Status  `json:"status"`
}

// stateVersion is the version of the state file this unigo writes.
const stateVersion = 2

// Status is what happened to an instance.
type Status struct {
	Phase Phase `json:"phase"`
	// Summary is the phase in one phrase, as `unigo ps` shows it:
	// "running", "exited (0)", "exited (killed)"...
	Summary string `json:"summary"`

	Monitor    Proc      `json:"monitor"` // the monitor process
	VMM        Proc      `json:"vmm"`     // the VMM process (QEMU) of the current or last boot
	StartedAt  time.Time `json:"startedAt,omitzero"`
	BootTimeMs float64   `json:"bootTimeMs,omitempty"` // from starting the VMM to the guest's first output
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	Exit       *Exit     `json:"exit,omitempty"` // how the last boot ended
	Restarts   int       `json:"restarts"`       // boots by the restart policy
	// Listening are the ports the app serves now, as its kernel tells
	// them ("8080/tcp", "53/udp"; vmm.Listen): what `unigo serve` waits
	// for before it sends the instance requests.
	Listening []string `json:"listening,omitempty"`
	// Restore is the checkpoint the next start resumes from, instead of
	// booting (unigo start --checkpoint); RestoredFrom the one the current
	// or last boot resumed from.
	Restore      string `json:"restore,omitempty"`
	RestoredFrom string `json:"restoredFrom,omitempty"`
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
	// ReasonCheckpointed: unigo checkpoint wrote the VM's state and
	// powered it off.
	ReasonCheckpointed = "checkpointed"
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
	st, err := decodeState(data)
	if err != nil {
		return nil, fmt.Errorf("the state of instance %s (%s) is damaged: %v: remove the instance with 'unigo rm -f %s'", name, is.statePath(name), err, name)
	}
	return st, nil
}

func (is *Instances) writeState(st *State) error {
	return writeStateFile(is.statePath(st.Name), st)
}

func writeStateFile(path string, st *State) error {
	st.Version = stateVersion
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
	if st.Phase == Exited || st.Monitor.Pid == 0 || st.Monitor.Alive() {
		st.Summary = st.summary()
		return
	}
	if st.Phase == Running && st.VMM.Alive() {
		// QEMU dies with its monitor, unless that failed.
		st.Summary = "running (unsupervised)"
		return
	}
	st.Phase = Exited
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
func (st *State) live() bool { return st.Phase == Running || st.Phase == Restarting }

func (st *State) summary() string {
	if st.Phase != Exited || st.Exit == nil {
		return string(st.Phase)
	}
	switch st.Exit.Reason {
	case ReasonExited:
		return fmt.Sprintf("exited (%d)", st.Exit.Code)
	case ReasonSignaled:
		return fmt.Sprintf("exited (signal %d)", st.Exit.Code-128)
	}
	return fmt.Sprintf("exited (%s)", st.Exit.Reason)
}
