package memory

import "testing"

// The policy flushes once per busy window, stops after tlbGrowFlushes in
// one busy stretch, and starts again after an idle window.
func TestTLBGrowthPolicy(t *testing.T) {
	g := tlbGrowth{on: true}
	now, halted := int64(0), int64(0)
	window := func(busyPercent int64) bool {
		now += tlbWindow
		halted += tlbWindow * (100 - busyPercent) / 100
		return g.tick(now, halted)
	}
	if g.tick(tlbWindow/2, 0) {
		t.Fatal("flushed before the window ended")
	}
	flushes := 0
	for i := 0; i < 3*tlbGrowFlushes; i++ {
		if window(90) {
			flushes++
		}
	}
	if flushes != tlbGrowFlushes {
		t.Fatalf("a long busy stretch flushed %d times, want %d", flushes, tlbGrowFlushes)
	}
	if window(30) {
		t.Fatal("a window between busy and idle flushed after the limit")
	}
	if window(2) {
		t.Fatal("an idle window flushed")
	}
	if !window(90) {
		t.Fatal("a busy window after an idle one did not flush")
	}
	if (&tlbGrowth{}).tick(10*tlbWindow, 0) {
		t.Fatal("flushed with the policy off (KVM)")
	}
}
