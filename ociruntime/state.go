package ociruntime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/launch"
)

// A container's directory, ROOT/ID (ROOT is --root), holds:
//
//	state.json  the state (state), replaced atomically
//	exec.fifo   present from create to start: the container process blocks
//	            opening it until start opens the other end, as runc's does
const (
	stateFile = "state.json"
	execFifo  = "exec.fifo"
)

// state is what the runtime keeps of a container.
type state struct {
	ID      string        `json:"id"`
	Bundle  string        `json:"bundle"`
	Created time.Time     `json:"created"`
	Init    instance.Proc `json:"init"` // the container process: its exit status is the app's
	Config  launch.Config `json:"config"`
	// OwnNetwork: the container process has a network namespace of its
	// own, whose interface the VM takes over at start (network.go).
	OwnNetwork bool `json:"ownNetwork,omitempty"`
	// ResolvConf is the resolv.conf the engine mounts at /etc/resolv.conf,
	// read for the guest's name servers when the network is plumbed: Docker
	// writes its embedded DNS there in its prestart hook, after create.
	ResolvConf string `json:"resolvConf,omitempty"`
	// Cgroup is the container's cgroup the container process was moved
	// into (cgroup.go), removed by delete.
	Cgroup string `json:"cgroup,omitempty"`
	// Paused: pause froze the cgroup; resume thaws it.
	Paused bool `json:"paused,omitempty"`
	// Annotations are the config's, as state reports them.
	Annotations map[string]string `json:"annotations,omitempty"`
}

var validID = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`)

func (r *runtime) dir(id string) string { return filepath.Join(r.root, id) }

func (r *runtime) load(id string) (*state, error) {
	if !validID.MatchString(id) {
		return nil, fmt.Errorf("%q is not a container ID", id)
	}
	data, err := os.ReadFile(filepath.Join(r.dir(id), stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("container %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("the state of container %s is damaged: %v", id, err)
	}
	return &st, nil
}

func (r *runtime) save(st *state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(r.dir(st.ID), stateFile), append(data, '\n'), 0o600)
}

// status is the OCI status: created until start, running while the
// container process lives, stopped after.
func (r *runtime) status(st *state) string {
	switch {
	case st.Init.Pid == 0:
		return "creating"
	case !st.Init.Alive():
		return "stopped"
	}
	if _, err := os.Stat(filepath.Join(r.dir(st.ID), execFifo)); err == nil {
		return "created"
	}
	if st.Paused {
		return "paused"
	}
	return "running"
}
