package density

import (
	"math"
	"strings"
	"testing"

	"unigo.dev/unigo/bench/harness"
)

func TestParseSmapsRollup(t *testing.T) {
	b := []byte(`55d0c8a4f000-7ffd2a1f4000 ---p 00000000 00:00 0                          [rollup]
Rss:               82872 kB
Pss:               62800 kB
Pss_Dirty:         49852 kB
Pss_Anon:          49852 kB
Pss_File:          12948 kB
Pss_Shmem:             4 kB
Shared_Clean:      20068 kB
`)
	m, err := parseSmapsRollup(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.rss != 82872<<10 || m.pss != 62800<<10 || m.private != (49852+4)<<10 {
		t.Errorf("got %+v, want Rss 82872 kB, Pss 62800 kB (not Pss_Dirty or the others), private Pss_Anon+Pss_Shmem 49856 kB", m)
	}
	if m, _ := parseSmapsRollup([]byte("Rss: 12 kB\nPss: 8 kB\n")); m.private != 8<<10 {
		t.Errorf("without Pss_Anon and Pss_Shmem, private = %d, want the Pss", m.private)
	}
	if _, err := parseSmapsRollup([]byte("Rss: 12 kB\n")); err == nil {
		t.Error("no Pss line: no error")
	}
	if _, err := parseSmapsRollup([]byte("Rss: 12 kB\nPss: x kB\n")); err == nil {
		t.Error("a bad number: no error")
	}
}

func TestParseStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	b := []byte("19811 (qemu (system) x86) S 19802 19811 19802 0 -1 138412416 5307 0 0 0 37 10 0 0 20 0 4 0 247937 1448132608 20658\n")
	st, err := parseStat(b)
	if err != nil {
		t.Fatal(err)
	}
	if st.comm != "qemu (system) x86" || st.state != 'S' || st.ppid != 19802 || st.ticks != 47 {
		t.Errorf("got %+v, want comm %q, state S, ppid 19802, ticks 37+10", st, "qemu (system) x86")
	}
	for _, bad := range []string{"", "12 qemu S 1", "12 (qemu) S 1 2 3", "12 (qemu) S x 1 1 0 -1 0 0 0 0 0 1 1"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseMeminfo(t *testing.T) {
	b := []byte(`MemTotal:       24683736 kB
MemFree:        22019656 kB
MemAvailable:   23746752 kB
SwapCached:            0 kB
SwapTotal:       1048572 kB
SwapFree:        1048000 kB
`)
	m, err := parseMeminfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.available != 23746752<<10 || m.swapTotal != 1048572<<10 || m.swapUsed() != 572<<10 {
		t.Errorf("got %+v", m)
	}
	if _, err := parseMeminfo([]byte("MemTotal: 1 kB\nMemAvailable: 1 kB\n")); err == nil {
		t.Error("no swap lines: no error")
	}
}

func TestMemoryGuard(t *testing.T) {
	const mib = 1 << 20
	// PSS rules when MemAvailable fell less than it...
	if got := perInstance([]int64{90 * mib, 100 * mib}, 1000*mib, 900*mib); got != 100*mib {
		t.Errorf("perInstance = %d MiB, want 100 (the largest PSS)", got/mib)
	}
	// ...the fall of MemAvailable when it fell more (other work counts too),
	if got := perInstance([]int64{90 * mib, 100 * mib}, 1000*mib, 700*mib); got != 150*mib {
		t.Errorf("perInstance = %d MiB, want 150 (300 MiB fall over 2)", got/mib)
	}
	// and a rise of MemAvailable is not a negative cost.
	if got := perInstance([]int64{80 * mib}, 1000*mib, 1200*mib); got != 80*mib {
		t.Errorf("perInstance = %d MiB, want 80", got/mib)
	}

	// 10 GiB available, 2 GiB reserved, 100 MiB each: 2 started + 81 more.
	avail := int64(10 << 30)
	if got := fitCount(100*mib, avail, reserve, 2); got != 2+8192/100 {
		t.Errorf("fitCount = %d, want %d", got, 2+8192/100)
	}
	if err := checkFit(83, 2, 100*mib, avail, reserve); err != nil {
		t.Errorf("83 fit: %v", err)
	}
	err := checkFit(84, 2, 100*mib, avail, reserve)
	if err == nil || !strings.Contains(err.Error(), "--count 83 or fewer") {
		t.Errorf("84 do not fit: got %v", err)
	}
	// Less available than the reserve: only those started fit.
	if got := fitCount(100*mib, 1<<30, reserve, 2); got != 2 {
		t.Errorf("fitCount under the reserve = %d, want 2", got)
	}
	if got := fitCount(0, avail, reserve, 2); got != math.MaxInt {
		t.Errorf("fitCount with nothing measured = %d", got)
	}
}

func TestPercentile(t *testing.T) {
	var v []float64
	for i := 100; i >= 1; i-- {
		v = append(v, float64(i))
	}
	for _, c := range []struct{ p, want float64 }{{50, 50}, {99, 99}, {100, 100}, {1, 1}, {0.1, 1}} {
		if got := percentile(v, c.p); got != c.want {
			t.Errorf("p%v of 1..100 = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]float64{3, 1, 2}, 99); got != 3 {
		t.Errorf("p99 of three = %v, want the largest", got)
	}
	if got := percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("p50 of nothing = %v, want NaN", got)
	}
	if v[0] != 100 {
		t.Error("percentile sorted its argument")
	}
}

// The fallback that finds an instance's processes without its state: the
// monitor by its command line and root, QEMU as its child.
func TestMonitorsOf(t *testing.T) {
	u := &unigoFleet{root: "/r/unigo-root"}
	procs := []hostProc{
		{pid: 10, stat: procStat{comm: "unigo", ppid: 1}, args: []string{"/bin/unigo", "__monitor", "density-0"}, env: []string{"UNIGO_ROOT=/r/unigo-root"}},
		{pid: 11, stat: procStat{comm: "qemu-system-x86", ppid: 10}, args: []string{"qemu-system-x86_64", "-kernel", "/r/unigo-root/images/blobs/x"}},
		{pid: 20, stat: procStat{comm: "unigo", ppid: 1}, args: []string{"/bin/unigo", "__monitor", "density-1"}, cwd: "/r/unigo-root/instances/density-1"},
		{pid: 21, stat: procStat{comm: "qemu-system-x86", ppid: 20}},
		// another root's monitor and QEMU
		{pid: 30, stat: procStat{comm: "unigo", ppid: 1}, args: []string{"/bin/unigo", "__monitor", "density-0"}, env: []string{"UNIGO_ROOT=/elsewhere"}},
		{pid: 31, stat: procStat{comm: "qemu-system-x86", ppid: 30}},
	}
	got := u.monitorsOf(procs)
	want := map[string][]rolePid{
		"density-0": {{11, roleVM}, {10, roleSupervisor}},
		"density-1": {{21, roleVM}, {20, roleSupervisor}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) || g[0] != w[0] || g[1] != w[1] {
			t.Errorf("%s: got %v, want %v", name, g, w)
		}
	}
}

func TestSetDefaults(t *testing.T) {
	c := Config{Count: 20, Unigo: "unigo", Out: "x"}
	if err := c.SetDefaults(); err != nil {
		t.Fatal(err)
	}
	if c.Pokes != 20 || c.Parallel != 2 || c.Memory != "64M" || c.Accel != "tcg" || c.App != "./examples/httpd" || len(c.Subjects) != 3 {
		t.Errorf("defaults: %+v", c)
	}
	c = Config{Count: 500, Unigo: "unigo", Out: "x", Subjects: []string{harness.Unigo}}
	if err := c.SetDefaults(); err != nil || c.Pokes != 50 {
		t.Errorf("pokes of 500: %d, %v", c.Pokes, err)
	}
	for _, bad := range []Config{
		{Unigo: "unigo", Out: "x"},
		{Count: 1, Unigo: "unigo", Out: "x", Memory: "lots"},
		{Count: 1, Unigo: "unigo", Out: "x", Subjects: []string{"kata"}},
		{Count: 1, Unigo: "unigo"},
	} {
		if err := bad.SetDefaults(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
