package lapic

import "testing"

// A deadline is counted at the finest divide that reaches it, rounded up,
// so the timer never fires early within its reach; beyond the coarsest
// divide it fires as late as it can, and the scheduler sets it again.
func TestTimerCount(t *testing.T) {
	const ghz = 1_000_000_000
	for _, c := range []struct {
		ns       int64
		hz       uint64
		count    uint32
		shift    uint
		reaching bool
	}{
		{1, ghz, 1, 0, true},
		{1000, ghz, 1000, 0, true},
		{1, 100_000_000, 1, 0, true},            // a tenth of a tick: rounded up
		{0xffffffff, ghz, 0xffffffff, 0, true},  // the finest divide's reach
		{0x100000000, ghz, 0x80000000, 1, true}, // one tick beyond: divide by 2
		{60e9, ghz, 3750000000, 4, true},        // sysmon's minute: divide by 16
		{120e9 + 1, ghz, 3750000001, 5, true},   // forcegc's two minutes, rounded up
		{549e9, ghz, 4289062500, 7, true},       // the coarsest divide
		{600e9, ghz, 0xffffffff, 7, false},      // beyond: as late as it can
		{1 << 62, ghz, 0xffffffff, 7, false},    // overflows the product
	} {
		count, shift := timerCount(c.ns, c.hz)
		if count != c.count || shift != c.shift {
			t.Errorf("timerCount(%d ns, %d Hz) = %d at divide %d, want %d at %d", c.ns, c.hz, count, 1<<shift, c.count, 1<<c.shift)
		}
		if reach := uint64(count)<<shift*1e9 >= uint64(c.ns)*c.hz; c.reaching && !reach && c.ns < 1<<40 {
			t.Errorf("timerCount(%d ns) fires early", c.ns)
		}
	}
}
