// Package measure holds the benchmarks' measuring tools: the Metric every
// result is, the interleaved rounds every benchmark runs (RunRounds) and
// their statistics, the result lines of programs that measure themselves,
// the HTTP load (wrk) and probes, the least-memory search, and the host's
// load average.
package measure

import (
	"fmt"
	"math"
	"slices"
)

// Metric is one measured quantity of one subject: either a value (the
// median, for repeated measurements, with their min and max and every
// sample) or NA, the reason it could not be measured. Exactly one of Value
// and NA is set: a quantity that was not measured is never reported as 0.
type Metric struct {
	Unit    string    `json:"unit"`
	Value   *float64  `json:"value,omitempty"` // the median when there are samples
	Min     *float64  `json:"min,omitempty"`
	Max     *float64  `json:"max,omitempty"`
	Samples []float64 `json:"samples,omitempty"`
	NA      string    `json:"na,omitempty"`
	Note    string    `json:"note,omitempty"`
}

// NA is a metric that could not be measured, and why.
func NA(unit, format string, args ...any) Metric {
	return Metric{Unit: unit, NA: fmt.Sprintf(format, args...)}
}

// Value is a metric measured once.
func Value(unit string, v float64) Metric {
	return Metric{Unit: unit, Value: &v}
}

// Bool is a yes (1) or no (0) metric with its note.
func Bool(v bool, note string) Metric {
	f := 0.0
	if v {
		f = 1
	}
	m := Value("bool", f)
	m.Note = note
	return m
}

// FromSamples summarises repeated measurements: median, min and max.
func FromSamples(unit string, samples []float64) Metric {
	if len(samples) == 0 {
		return NA(unit, "no successful run")
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	med := median(s)
	lo, hi := s[0], s[len(s)-1]
	return Metric{Unit: unit, Value: &med, Min: &lo, Max: &hi, Samples: samples}
}

// median of sorted values.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// OK reports whether the metric holds a value.
func (m Metric) OK() bool { return m.Value != nil }

// Ratio returns m/base when both hold values.
func Ratio(m, base Metric) (float64, bool) {
	if !m.OK() || !base.OK() || *base.Value == 0 {
		return 0, false
	}
	r := *m.Value / *base.Value
	return r, !math.IsInf(r, 0) && !math.IsNaN(r)
}

// Scaled is m with its values multiplied by f.
func (m Metric) Scaled(f float64) Metric {
	mul := func(p *float64) *float64 {
		if p == nil {
			return nil
		}
		v := *p * f
		return &v
	}
	out := m
	out.Value, out.Min, out.Max = mul(m.Value), mul(m.Min), mul(m.Max)
	out.Samples = nil
	for _, v := range m.Samples {
		out.Samples = append(out.Samples, v*f)
	}
	return out
}
