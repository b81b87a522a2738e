package instance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"unigo.dev/unigo/vmm"
)

// Checkpoints of an instance: its VM's whole state written out by the VMM
// (vmm.Checkpointer) while the app runs, into the instance's directory
// (checkpoints/NAME/state), and a later start of the instance from one
// instead of a boot (`unigo start --checkpoint NAME`). As Docker's
// checkpoints, they belong to their instance and go with it.
//
// A checkpoint of an instance with volumes holds the guest's view of them
// (its file system's caches), true only while the disks stay as they were
// when it was written (QEMU flushes them before the migration ends). The
// checkpoint records each writable disk's size and modification time
// (disks.json); a resume is refused once a disk was written since, by the
// instance itself (after --leave-running, or a resume) or by another:
// resuming would corrupt it.

const checkpointsDir = "checkpoints"

// checkpointTimeout bounds a checkpoint request: the state is written at
// disk speed.
const checkpointTimeout = 3 * time.Minute

// Checkpoint is one checkpoint of an instance.
type Checkpoint struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Size    int64     `json:"size"` // of the state file
}

func (is *Instances) checkpointPath(name, cp string) string {
	return is.path(name, checkpointsDir, cp, "state")
}

// diskStamp is what a checkpoint records of a writable disk.
type diskStamp struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modTime"`
}

const disksFile = "disks.json"

// stampDisks records the writable disks as they are now.
func stampDisks(disks []vmm.Disk) ([]diskStamp, error) {
	var out []diskStamp
	for _, d := range disks {
		if d.ReadOnly {
			continue
		}
		fi, err := os.Stat(d.Path)
		if err != nil {
			return nil, err
		}
		out = append(out, diskStamp{Path: d.Path, Size: fi.Size(), ModTime: fi.ModTime().UTC()})
	}
	return out, nil
}

// checkDisks refuses to resume checkpoint cp of instance name once a disk
// it recorded has changed.
func (is *Instances) checkDisks(name, cp string) error {
	b, err := os.ReadFile(is.path(name, checkpointsDir, cp, disksFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil // no volumes
	}
	if err != nil {
		return err
	}
	var stamps []diskStamp
	if err := json.Unmarshal(b, &stamps); err != nil {
		return fmt.Errorf("checkpoint %s of %s is damaged (%s): %v", cp, name, disksFile, err)
	}
	for _, d := range stamps {
		fi, err := os.Stat(d.Path)
		if err != nil {
			return fmt.Errorf("checkpoint %s of %s cannot resume: its volume's disk %s: %v", cp, name, d.Path, err)
		}
		if fi.Size() != d.Size || !fi.ModTime().Equal(d.ModTime) {
			return fmt.Errorf("checkpoint %s of %s cannot resume: its volume's disk %s was written since the checkpoint (at %s; now %s), and the app's view of it would corrupt it: boot the instance afresh ('unigo start %s') or resume a later checkpoint",
				cp, name, d.Path, d.ModTime.Local().Format(time.DateTime), fi.ModTime().Local().Format(time.DateTime), name)
		}
	}
	return nil
}

// Checkpoint writes the state of running instance name to its checkpoint
// cp (replacing one of that name). The instance then ends (Exit.Reason
// "checkpointed"), or goes on running with leaveRunning.
func (is *Instances) Checkpoint(name, cp string, leaveRunning bool) (*State, error) {
	if !validName.MatchString(cp) {
		return nil, fmt.Errorf("invalid checkpoint name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", cp)
	}
	st, err := is.Get(name)
	if err != nil {
		return nil, err
	}
	if st.Phase != Running {
		return nil, fmt.Errorf("instance %s is not running (%s): only a running instance can be checkpointed", name, st.Summary)
	}
	mode := "stop"
	if leaveRunning {
		mode = "leave"
	}
	if err := is.ask(name, fmt.Sprintf("checkpoint %s %s", cp, mode), checkpointTimeout); err != nil {
		return nil, err
	}
	return is.Get(name)
}

// StartFrom starts instance name, which is not running, from its
// checkpoint cp instead of booting it; the checkpoint stays, to start from
// again.
func (is *Instances) StartFrom(ctx context.Context, name, cp string) error {
	if err := is.findCheckpoint(name, cp); err != nil {
		return err
	}
	lock, err := is.lockMonitor(name, fmt.Sprintf("instance %s is already running", name))
	if err != nil {
		return err
	}
	if err := is.checkDisks(name, cp); err != nil {
		lock.Unlock()
		return err
	}
	st, err := is.readState(name)
	if err == nil {
		st.Restore = cp
		err = is.writeState(st)
	}
	lock.Unlock()
	if err != nil {
		return err
	}
	return is.Start(ctx, name)
}

// Checkpoints lists the checkpoints of instance name, oldest first.
func (is *Instances) Checkpoints(name string) ([]Checkpoint, error) {
	if _, err := is.Get(name); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(is.path(name, checkpointsDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	for _, e := range ents {
		if !validName.MatchString(e.Name()) {
			continue // a checkpoint being written (.tmp-...)
		}
		fi, err := os.Stat(is.checkpointPath(name, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, Checkpoint{Name: e.Name(), Created: fi.ModTime().UTC(), Size: fi.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// RemoveCheckpoint removes checkpoint cp of instance name.
func (is *Instances) RemoveCheckpoint(name, cp string) error {
	if err := is.findCheckpoint(name, cp); err != nil {
		return err
	}
	return os.RemoveAll(is.path(name, checkpointsDir, cp))
}

// findCheckpoint checks that instance name has a checkpoint cp.
func (is *Instances) findCheckpoint(name, cp string) error {
	if _, err := is.Get(name); err != nil {
		return err
	}
	if !validName.MatchString(cp) {
		return fmt.Errorf("invalid checkpoint name %q", cp)
	}
	if _, err := os.Stat(is.checkpointPath(name, cp)); err != nil {
		return fmt.Errorf("instance %s has no checkpoint %q: 'unigo checkpoint ls %s' lists them", name, cp, name)
	}
	return nil
}

// writeCheckpoint has vm write its state to checkpoint cp of the
// monitor's instance: into a new directory, renamed into place once the
// state is on disk, so that a failure leaves the checkpoint of that name
// as it was.
func (m *monitor) writeCheckpoint(vm vmm.VM, disks []vmm.Disk, cp string, leaveRunning bool) error {
	c, ok := vm.(vmm.Checkpointer)
	if !ok {
		return errors.New("the VMM cannot write checkpoints")
	}
	dir := m.is.path(m.st.Name, checkpointsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+cp+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // what is left of it after the rename: nothing
	f, err := os.Create(filepath.Join(tmp, "state"))
	if err != nil {
		return err
	}
	if err := c.Checkpoint(f); err != nil {
		f.Close()
		return err // the VM runs on
	}
	// The VM is paused. The disks as the migration's end left them, before
	// the app may write them again; with leaveRunning it runs on now.
	stamps, err := stampDisks(disks)
	paused := true
	if leaveRunning || err != nil {
		paused = false
		if cerr := c.Continue(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && len(stamps) > 0 {
		var b []byte
		if b, err = json.MarshalIndent(stamps, "", "  "); err == nil {
			err = os.WriteFile(filepath.Join(tmp, disksFile), append(b, '\n'), 0o644)
		}
	}
	if err == nil {
		err = replaceDir(tmp, filepath.Join(dir, cp))
	}
	if err != nil && paused {
		c.Continue() // no checkpoint: the app goes on
	}
	return err
}

// replaceDir renames dir tmp to final, replacing a final that exists.
func replaceDir(tmp, final string) error {
	old := filepath.Join(filepath.Dir(final), ".old-"+filepath.Base(final))
	os.RemoveAll(old)
	if err := os.Rename(final, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Rename(old, final)
		return err
	}
	return os.RemoveAll(old)
}
