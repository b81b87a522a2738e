package vmm

import (
	"testing"
	"time"
)

// The measured TSC rate is stable: two measurements agree within 0.5%.
func TestMeasureTSC(t *testing.T) {
	if !invariantTSC() {
		t.Skip("this host's TSC is not invariant: the kernel calibrates against the PIT instead")
	}
	a, b := measureTSC(20*time.Millisecond), measureTSC(20*time.Millisecond)
	if a == 0 || b == 0 {
		t.Fatalf("no TSC rate: %d %d", a, b)
	}
	if d := float64(a) - float64(b); d > float64(a)/200 || -d > float64(a)/200 {
		t.Fatalf("TSC rate unstable: %d vs %d Hz", a, b)
	}
	if got := HostTSCHz(); got == 0 {
		t.Fatal("HostTSCHz returned 0 on an invariant-TSC host")
	}
}
