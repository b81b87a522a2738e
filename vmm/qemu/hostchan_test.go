package qemu

import (
	"unigo.dev/unigo/vmm"

	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// haltingFloor is the floor guest that prints its line and then halts
// forever (its power-off goes to an unused port).
func haltingFloor(t *testing.T) string {
	t.Helper()
	img := floorImage(t, func(b []byte) []byte {
		return replaceOnce(t, b, "\x66\xba\xf4\x00", "\x66\xba\xf8\x00")
	})
	return floorImage(t, func([]byte) []byte {
		b, _ := os.ReadFile(img)
		return replaceOnce(t, b, "exit 0\n", "hello!\n")
	})
}

// A running VM takes signals on its control input and is powered off
// through QMP, not by a signal to QEMU.
func TestSignalAndQMPQuit(t *testing.T) {
	needQEMU(t)
	var verbose strings.Builder
	spec := vmm.Spec{Image: haltingFloor(t), Options: map[string]string{OptionAccel: "tcg"}, Verbose: &verbose}
	vm, err := (&QEMU{StopGrace: 5 * time.Second}).Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if pid := vm.Pid(); pid <= 0 {
		t.Errorf("Pid() = %d", pid)
	}
	if !strings.Contains(verbose.String(), "-chardev socket,id=ctlin,fd=6,server=off -device isa-serial,chardev=ctlin,iobase=0x3e8,irq=5") {
		t.Errorf("no control input on COM3 in the command line:\n%s", verbose.String())
	}
	for _, sig := range []int{15, 2} {
		if err := vm.Signal(sig); err != nil {
			t.Errorf("Signal(%d): %v", sig, err)
		}
	}
	if err := vm.Signal(0); err == nil {
		t.Error("Signal(0) accepted")
	}
	start := time.Now()
	vm.Stop()
	exit, err := vm.Wait()
	if err != nil || exit.Reason != vmm.Stopped {
		t.Fatalf("Wait = %+v, %v", exit, err)
	}
	// A SIGTERM would have made QEMU say "terminating on signal 15", and a
	// QMP quit that failed would have waited for the grace period.
	if strings.Contains(verbose.String(), "terminating on signal") || time.Since(start) > 3*time.Second {
		t.Errorf("QEMU was not stopped through QMP (took %v):\n%s", time.Since(start), verbose.String())
	}
	if err := vm.Signal(15); err == nil {
		t.Error("Signal after the VM ended: no error")
	}
}
