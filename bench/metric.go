package bench

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

func naMetric(unit, format string, args ...any) Metric {
	return Metric{Unit: unit, NA: fmt.Sprintf(format, args...)}
}

func valueMetric(unit string, v float64) Metric {
	return Metric{Unit: unit, Value: &v}
}

// sampleMetric summarises repeated measurements: median, min and max.
func sampleMetric(unit string, samples []float64) Metric {
	if len(samples) == 0 {
		return naMetric(unit, "no successful run")
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

// ratio returns m/base when both hold values.
func ratio(m, base Metric) (float64, bool) {
	if !m.OK() || !base.OK() || *base.Value == 0 {
		return 0, false
	}
	r := *m.Value / *base.Value
	return r, !math.IsInf(r, 0) && !math.IsNaN(r)
}
