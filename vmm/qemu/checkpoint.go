package qemu

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Checkpoints: a VM's whole state (CPU, devices, RAM) written out as QEMU's
// migration stream, and a VM started from one instead of booted. QEMU 7.2
// writes the stream to a file descriptor passed over QMP (getfd, then
// migrate to fd:NAME) and reads it from an inherited one (-incoming
// fd:N); `exec:` would need a shell, which -sandbox's spawn=deny forbids.
// The guest is told once it runs again (restored): its clocks went on as
// if the VM had been paused, and its wall clock must jump.

// A checkpoint file starts with a header of checkpointHeaderSize bytes,
// text padded with zero bytes, that says which QEMU wrote it and on which
// accelerator: QEMU's own checks refuse a stream of other devices, but not
// every stream of another version or accelerator (the CPU's state differs
// between TCG and KVM). The stream follows; QEMU reads and writes it
// through a descriptor whose offset is past the header.
const (
	checkpointMagic      = "unigo checkpoint 1"
	checkpointHeaderSize = 512
)

// checkpointHeader is the header of a checkpoint written by QEMU of
// version (qemuVersion's line) on accel.
func checkpointHeader(version, accel string) []byte {
	h := make([]byte, checkpointHeaderSize)
	copy(h, fmt.Sprintf("%s\nqemu: %s\naccel: %s\n", checkpointMagic, version, accel))
	return h
}

// openCheckpoint opens the checkpoint at path for QEMU bin to start from
// on accel, with its offset past the header; it refuses one that is not a
// checkpoint, or that another QEMU or accelerator wrote.
func openCheckpoint(path, bin string, accel Accel) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the checkpoint: %w", err)
	}
	h := make([]byte, checkpointHeaderSize)
	if _, err := io.ReadFull(f, h); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is not a checkpoint (%v)", path, err)
	}
	text, _, _ := strings.Cut(string(h), "\x00")
	lines := strings.Split(text, "\n")
	if lines[0] != checkpointMagic || len(lines) < 3 {
		f.Close()
		return nil, fmt.Errorf("%s is not a checkpoint of this unigo (it starts %q)", path, lines[0])
	}
	version, err := qemuVersion(bin)
	if err != nil {
		f.Close()
		return nil, err
	}
	if got := strings.TrimPrefix(lines[1], "qemu: "); got != version {
		f.Close()
		return nil, fmt.Errorf("the checkpoint was written by %s, and this is %s: a VM restores only on the QEMU that wrote it; boot it afresh instead", got, version)
	}
	if got := strings.TrimPrefix(lines[2], "accel: "); got != accel.Name {
		f.Close()
		return nil, fmt.Errorf("the checkpoint was written under %s, and this VM would run under %s: give --accel %s", got, accel.Name, got)
	}
	return f, nil
}

// checkpointTimeout bounds writing one checkpoint: a guest's RAM is
// written at disk speed, and zero pages take no room.
const checkpointTimeout = 2 * time.Minute

// Checkpoint implements vmm.Checkpointer: it pauses the VM, writes its
// state to f, and leaves it paused.
func (vm *qemuVM) Checkpoint(f *os.File) (err error) {
	version, err := qemuVersion(vm.bin)
	if err != nil {
		return err
	}
	if _, err := f.Write(checkpointHeader(version, vm.accel.Name)); err != nil {
		return fmt.Errorf("cannot write the checkpoint: %w", err)
	}
	q := vm.host.qmp
	if _, err := q.execute("stop", 5*time.Second); err != nil {
		return fmt.Errorf("cannot pause the VM: %w", err)
	}
	defer func() {
		if err != nil { // the app goes on as if nothing had been asked
			q.execute("migrate_cancel", 5*time.Second)
			q.execute("cont", 5*time.Second)
		}
	}()
	if _, err := q.executeWith("getfd", map[string]string{"fdname": "checkpoint"}, f, 5*time.Second); err != nil {
		return fmt.Errorf("cannot hand QEMU the checkpoint file: %w", err)
	}
	if _, err := q.executeWith("migrate", map[string]string{"uri": "fd:checkpoint"}, nil, 5*time.Second); err != nil {
		return fmt.Errorf("cannot write the checkpoint: %w", err)
	}
	return vm.waitMigration(checkpointTimeout)
}

// Continue implements vmm.Checkpointer.
func (vm *qemuVM) Continue() error {
	if _, err := vm.host.qmp.execute("cont", 5*time.Second); err != nil {
		return fmt.Errorf("the VM does not run again: %w", err)
	}
	vm.tellRestored() // its clocks stood still meanwhile
	return nil
}

// migrationStatus is what query-migrate says.
type migrationStatus struct {
	Status string `json:"status"`
	Error  string `json:"error-desc"`
}

// waitMigration polls the outgoing migration until it has completed.
func (vm *qemuVM) waitMigration(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ret, err := vm.host.qmp.execute("query-migrate", 5*time.Second)
		if err != nil {
			return fmt.Errorf("writing the checkpoint: %w", err)
		}
		var st migrationStatus
		if err := json.Unmarshal(ret, &st); err != nil {
			return fmt.Errorf("writing the checkpoint: QMP query-migrate: %w", err)
		}
		switch st.Status {
		case "completed":
			return nil
		case "failed", "cancelled":
			return fmt.Errorf("writing the checkpoint failed: %s", st.Error)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("writing the checkpoint took over %v (status %q)", timeout, st.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// incomingArgs are QEMU's arguments to start from the checkpoint on
// inherited fd.
func incomingArgs(fd int) []string { return []string{"-incoming", "fd:" + strconv.Itoa(fd)} }

// awaitRestore waits for a VM started from a checkpoint to have read the
// whole state, runs it (the state is of a paused VM: Checkpoint pauses it
// first, and QEMU keeps the run state it reads), then tells the guest.
func (vm *qemuVM) awaitRestore(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ret, err := vm.host.qmp.execute("query-status", 5*time.Second)
		if err != nil {
			return // QEMU is gone: Wait says why
		}
		var st struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(ret, &st) == nil && st.Status != "inmigrate" {
			if st.Status != "running" {
				if _, err := vm.host.qmp.execute("cont", 5*time.Second); err != nil {
					return
				}
			}
			vm.tellRestored()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tellRestored sends the guest "restored UNIXNANO" on the control input:
// the wall clock now (kernel/hostctl).
func (vm *qemuVM) tellRestored() {
	vm.host.controlIn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(vm.host.controlIn, "restored %d\n", time.Now().UnixNano())
}
