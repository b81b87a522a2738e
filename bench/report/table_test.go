package report

import (
	"testing"

	"unigo.dev/unigo/bench/measure"
)

func TestSampleMetric(t *testing.T) {
	m := measure.FromSamples("s", []float64{3, 1, 2, 10})
	if !m.OK() || *m.Value != 2.5 || *m.Min != 1 || *m.Max != 10 || len(m.Samples) != 4 {
		t.Errorf("got %+v, want median 2.5, min 1, max 10", m)
	}
	if m := measure.FromSamples("s", nil); m.OK() || m.NA == "" {
		t.Errorf("no samples: got %+v, want n/a with a reason", m)
	}
	if got := MetricText(m, "%.3f s"); got != "2.500 s (1.000–10.000 s)" {
		t.Errorf("metricText = %q", got)
	}
}
