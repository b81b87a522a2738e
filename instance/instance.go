// Package instance runs unigo images as long-lived instances, the way
// containers are run: `unigo run -d` starts one, `unigo ps`, `logs`,
// `stop`, `kill`, `restart`, `rm` and `inspect` manage it.
//
// There is no daemon. Each instance has a monitor: the unigo binary itself,
// started in a session of its own (setsid) in its hidden `__monitor` mode,
// which boots the VM, writes its console to the log, keeps the state file,
// applies the restart policy, and takes stop and kill requests on a Unix
// socket. QEMU dies with its monitor. Everything lives in the instance's
// directory, ROOT/instances/NAME:
//
//	state.json    the state (State), replaced atomically
//	console.log   the console: one JSON record per line of COM1 or COM2,
//	              with the time it arrived
//	monitor.sock  the monitor's request socket
//	monitor.lock  held by the monitor while it lives
//	monitor.log   the monitor's own messages, if it has any
//
// Whatever dies, the state tells the truth: a state that says "running" is
// believed only while its monitor's process (pid and start time, from
// /proc) is alive.
package instance

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"unigo.dev/unigo/internal/lockfile"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/store"
)

// Instances are the instances under a unigo root.
type Instances struct {
	root string
	dir  string // ROOT/instances
	// MonitorCommand starts a monitor: the unigo binary and its hidden
	// command, given the instance's name as its last argument and the root
	// as $UNIGO_ROOT. The default is this executable's "__monitor".
	MonitorCommand []string
}

// MonitorArg is the hidden command that runs a monitor.
const MonitorArg = "__monitor"

// ErrNotFound is wrapped by the error for a name that names no instance.
var ErrNotFound = errors.New("no such instance")

// Open returns the instances under root (see store.DefaultRoot).
func Open(root string) *Instances {
	return &Instances{root: root, dir: filepath.Join(root, "instances")}
}

func (is *Instances) path(name string, file ...string) string {
	return filepath.Join(append([]string{is.dir, name}, file...)...)
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$`)

// CheckName reports a name that cannot name an instance.
func CheckName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("%q is not an instance name: use up to 64 letters, digits, '_', '.' and '-', beginning with a letter or digit", name)
	}
	return nil
}

// Create records a new instance (status created) under name, or under a
// generated name when name is empty. Two instances cannot have one name;
// the directory appears complete or not at all.
func (is *Instances) Create(name string, spec launch.Config, dst IO) (*State, error) {
	if name == "" {
		name = generateName(spec)
	}
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(is.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the instances directory: %w: set UNIGO_ROOT to a writable directory", err)
	}
	l, err := lockfile.Acquire(filepath.Join(is.dir, ".lock"))
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	is.sweep()
	if _, err := os.Lstat(is.path(name)); err == nil {
		return nil, fmt.Errorf("an instance named %s already exists: remove it with 'unigo rm %s' or choose another --name", name, name)
	}
	tmp, err := os.MkdirTemp(is.dir, ".new-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("cannot create instance %s: %w", name, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	st := &State{Name: name, Spec: spec, IO: dst, Created: time.Now().UTC(), Status: Status{Phase: Created}}
	if err := writeStateFile(filepath.Join(tmp, stateFile), st); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, is.path(name)); err != nil {
		return nil, fmt.Errorf("cannot create instance %s: %w", name, err)
	}
	return st, nil
}

// sweep deletes what killed commands left: directories of instances being
// created (only ever under the lock, so any seen now is dead) or removed.
// Preconditions: the instances' lock is held.
func (is *Instances) sweep() {
	ents, _ := os.ReadDir(is.dir)
	for _, e := range ents {
		if e.IsDir() && (strings.HasPrefix(e.Name(), ".new-") || strings.HasPrefix(e.Name(), ".rm-")) {
			os.RemoveAll(filepath.Join(is.dir, e.Name()))
		}
	}
}

// generateName makes a name from the image's: hello-3f9a2c.
func generateName(spec launch.Config) string {
	base := "unigo"
	if r, err := store.ParseRef(spec.Image); err == nil {
		base = r.Base()
	}
	b := make([]byte, 3)
	rand.Read(b)
	return base + "-" + hex.EncodeToString(b)
}

// Get returns the state of the instance, as true as the processes make it.
func (is *Instances) Get(name string) (*State, error) {
	if err := CheckName(name); err != nil {
		return nil, fmt.Errorf("%w %q: 'unigo ps -a' lists the instances", ErrNotFound, name)
	}
	st, err := is.readState(name)
	if err != nil {
		return nil, err
	}
	st.settle()
	return st, nil
}

// List returns every instance, sorted by creation time, newest first.
func (is *Instances) List() ([]*State, error) {
	ents, err := os.ReadDir(is.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the instances: %w", err)
	}
	var out []*State
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue // the lock, or an instance being created or removed
		}
		st, err := is.Get(e.Name())
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				continue // removed meanwhile
			}
			return nil, err
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// ImageUsers maps image IDs to the instances that use them (for
// store.InUse: an image stays while an instance may boot it again).
func (is *Instances) ImageUsers() (map[string][]string, error) {
	list, err := is.List()
	if err != nil {
		return nil, err
	}
	users := map[string][]string{}
	for _, st := range list {
		users[st.Spec.ImageID] = append(users[st.Spec.ImageID], st.Name)
	}
	return users, nil
}
