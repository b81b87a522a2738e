package density

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// reportWithPSS is a density report of count instances whose unigo median
// PSS per instance is pss.
func reportWithPSS(count int, pss float64) *Report {
	s := &Subject{Measured: report.NewMeasured(harness.Unigo, "unigo")}
	s.Metrics["pss"] = measure.Value("bytes", pss)
	r := &Report{Base: report.Base{Benchmark: "density"}, Subjects: []*Subject{s}}
	r.Config = Settings{Count: count, Memory: "64M", Machine: "microvm", Accel: "tcg"}
	return r
}

func TestRegressionCheck(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "results.json")
	if err := report.WriteJSON(base, reportWithPSS(50, 50<<20)); err != nil {
		t.Fatal(err)
	}
	cfg := func(c Config) Config {
		c.Unigo, c.Out = "unigo", dir
		if c.Count == 0 {
			c.Count = 50
		}
		if err := c.SetDefaults(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		pss  float64
		fail bool
	}{
		{"under the budget", Config{MaxPSS: "64M"}, 60 << 20, false},
		{"over the budget", Config{MaxPSS: "64M"}, 65 << 20, true},
		{"within the tolerance", Config{Baseline: base, Tolerance: 0.10}, 54 << 20, false},
		{"beyond the tolerance", Config{Baseline: base, Tolerance: 0.10}, 56 << 20, true},
		{"not measured", Config{MaxPSS: "64M"}, 0, true},
	} {
		c := cfg(tc.cfg)
		checks, err := c.limits()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		r := reportWithPSS(50, tc.pss)
		if tc.pss == 0 {
			r.Subjects[0].Metrics["pss"] = measure.NA("bytes", "n/a: none answered")
		}
		err = r.check(checks)
		if tc.fail != errors.Is(err, ErrRegression) {
			t.Errorf("%s: PSS %g against %+v: error %v", tc.name, tc.pss, checks, err)
		}
		if len(r.Checks) != 1 || r.Checks[0].Pass == tc.fail {
			t.Errorf("%s: recorded %+v", tc.name, r.Checks)
		}
	}

	// A baseline of other settings, or no baseline at all, is refused
	// before anything starts.
	for _, c := range []Config{{Count: 300, Baseline: base}, {Baseline: base, Memory: "128M"}, {Baseline: filepath.Join(dir, "none.json")}, {MaxPSS: "lots"}} {
		c = cfg(c)
		if _, err := c.limits(); err == nil {
			t.Errorf("%+v: no error", c)
		} else if c.Count == 300 && !strings.Contains(err.Error(), "--count 50 (this run 300)") {
			t.Errorf("count mismatch: %v", err)
		}
	}
}
