package instance

import (
	"encoding/json"
	"fmt"
	"time"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/launch"
)

// decodeState reads a state file of this version or of version 1 (unigo
// before the launch layer: no "version", the spec's args led by the app's
// name, the status fields beside the spec). A version 1 file is converted
// in memory; the next write (its monitor's) makes it version 2.
func decodeState(data []byte) (*State, error) {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	switch v.Version {
	case stateVersion:
		var st State
		if err := json.Unmarshal(data, &st); err != nil {
			return nil, err
		}
		return &st, nil
	case 0:
		return decodeStateV1(data)
	}
	return nil, fmt.Errorf("state file version %d is from a newer unigo than this one (version %d): use that unigo", v.Version, stateVersion)
}

// stateV1 is the state file of version 1.
type stateV1 struct {
	Name string `json:"name"`
	Spec struct {
		launch.Config
		Net bool `json:"net,omitempty"` // --net user, before Network
	} `json:"spec"`
	Created    time.Time `json:"created"`
	Status     Phase     `json:"status"`
	Monitor    Proc      `json:"monitor"`
	QEMU       Proc      `json:"qemu"`
	StartedAt  time.Time `json:"startedAt"`
	BootTimeMs float64   `json:"bootTimeMs"`
	FinishedAt time.Time `json:"finishedAt"`
	Exit       *Exit     `json:"exit"`
	Restarts   int       `json:"restarts"`
}

func decodeStateV1(data []byte) (*State, error) {
	var old stateV1
	if err := json.Unmarshal(data, &old); err != nil {
		return nil, err
	}
	spec := old.Spec.Config
	// Version 1 kept os.Args whole, with the image's defaults merged.
	if len(spec.Args) > 0 {
		spec.Argv0, spec.Args = spec.Args[0], spec.Args[1:]
	}
	if spec.Network == nil && old.Spec.Net {
		spec.Network = &hostnet.Options{Mode: hostnet.ModeUser}
	}
	st := &State{Version: 1, Name: old.Name, Created: old.Created, Spec: spec, Status: Status{
		Phase: old.Status, Monitor: old.Monitor, VMM: old.QEMU, StartedAt: old.StartedAt,
		BootTimeMs: old.BootTimeMs, FinishedAt: old.FinishedAt, Exit: old.Exit, Restarts: old.Restarts,
	}}
	st.Summary = st.summary()
	return st, nil
}
