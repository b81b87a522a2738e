package density

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/internal/memsize"
)

// The memory regression check: unigo's median PSS per idle instance held
// against a budget (--max-pss) or an earlier run's (--baseline, plus
// --tolerance). PSS per instance depends on the count (the shared pages
// are split over all instances) and on the VMs' memory and code cache, so
// a baseline must have been measured with the same ones.

// Check is one regression check of a report.
type Check struct {
	Subject string  `json:"subject"`
	Metric  string  `json:"metric"`
	Value   float64 `json:"value,omitempty"` // what this run measured (0: not measured)
	Limit   float64 `json:"limit"`
	From    string  `json:"from"` // where the limit comes from
	Pass    bool    `json:"pass"`
}

func (c Check) String() string {
	verdict := "pass"
	if !c.Pass {
		verdict = "FAIL"
	}
	value := "not measured"
	if c.Value > 0 {
		value = report.HumanBytes(c.Value)
	}
	return fmt.Sprintf("check %s: %s median PSS per instance %s, limit %s (%s)", verdict, c.Subject, value, report.HumanBytes(c.Limit), c.From)
}

// ErrRegression is the error of a run whose regression check failed; the
// report is written all the same.
var ErrRegression = errors.New("memory regression")

// limits are the PSS limits the run's config asks for, read before any
// instance starts so that a bad baseline costs nothing.
func (c *Config) limits() ([]Check, error) {
	var out []Check
	if c.MaxPSS != "" {
		n, err := memsize.Parse(c.MaxPSS)
		if err != nil {
			return nil, fmt.Errorf("--max-pss %w", err)
		}
		out = append(out, Check{Subject: harness.Unigo, Metric: "pss", Limit: float64(n), From: "--max-pss " + c.MaxPSS})
	}
	if c.Baseline != "" {
		base, err := c.baselinePSS()
		if err != nil {
			return nil, fmt.Errorf("--baseline %s: %w", c.Baseline, err)
		}
		out = append(out, Check{Subject: harness.Unigo, Metric: "pss", Limit: base * (1 + c.Tolerance),
			From: fmt.Sprintf("the baseline's %s + %g%%, %s", report.HumanBytes(base), 100*c.Tolerance, c.Baseline)})
	}
	return out, nil
}

// baselinePSS reads unigo's median PSS per instance from an earlier
// results.json, measured as this run will be.
func (c *Config) baselinePSS() (float64, error) {
	b, err := os.ReadFile(c.Baseline)
	if err != nil {
		return 0, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil || r.Benchmark != "density" {
		return 0, errors.New("not the results.json of unigo bench density")
	}
	var differ []string
	if r.Config.Count != c.Count {
		differ = append(differ, fmt.Sprintf("--count %d (this run %d)", r.Config.Count, c.Count))
	}
	if r.Config.Memory != c.Memory {
		differ = append(differ, fmt.Sprintf("--memory %s (this run %s)", r.Config.Memory, c.Memory))
	}
	if r.Config.TCGCache != c.TCGCache {
		differ = append(differ, fmt.Sprintf("--tcg-cache %q (this run %q)", r.Config.TCGCache, c.TCGCache))
	}
	if r.Config.Accel != c.Accel || r.Config.Machine != c.Machine {
		differ = append(differ, fmt.Sprintf("%s/%s (this run %s/%s)", r.Config.Machine, r.Config.Accel, c.Machine, c.Accel))
	}
	if len(differ) > 0 {
		return 0, fmt.Errorf("measured with %s: PSS per instance is only comparable between runs of the same settings", strings.Join(differ, ", "))
	}
	for _, s := range r.Subjects {
		if m := s.Metrics["pss"]; s.Key == harness.Unigo && m.OK() {
			return *m.Value, nil
		}
	}
	return 0, errors.New("it has no unigo PSS per instance")
}

// check evaluates the checks against the report's subjects, records them,
// and says whether one failed.
func (r *Report) check(checks []Check) error {
	var failed []string
	for _, c := range checks {
		for _, s := range r.Subjects {
			if m := s.Metrics[c.Metric]; s.Key == c.Subject && m.OK() {
				c.Value = *m.Value
			}
		}
		c.Pass = c.Value > 0 && c.Value <= c.Limit
		r.Checks = append(r.Checks, c)
		r.Notes = append(r.Notes, c.String())
		if !c.Pass {
			failed = append(failed, c.String())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %s", ErrRegression, strings.Join(failed, "; "))
	}
	return nil
}
