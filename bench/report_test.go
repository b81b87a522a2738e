package bench

import (
	"bytes"
	"strings"
	"testing"
)

func TestSampleMetric(t *testing.T) {
	m := sampleMetric("s", []float64{3, 1, 2, 10})
	if !m.OK() || *m.Value != 2.5 || *m.Min != 1 || *m.Max != 10 || len(m.Samples) != 4 {
		t.Errorf("got %+v, want median 2.5, min 1, max 10", m)
	}
	if m := sampleMetric("s", nil); m.OK() || m.NA == "" {
		t.Errorf("no samples: got %+v, want n/a with a reason", m)
	}
	if got := metricText(m, "%.3f s"); got != "2.500 s (1.000–10.000 s)" {
		t.Errorf("metricText = %q", got)
	}
}

func TestWriteTableNA(t *testing.T) {
	floor := &SubjectResult{Key: Floor, Label: "QEMU floor",
		FirstLine: sampleMetric("s", []float64{0.1, 0.2}), Exit: sampleMetric("s", []float64{0.2}),
		ImageBytes: valueMetric("bytes", 4096), MinMemoryMiB: valueMetric("MiB", 2),
		IdleCPU: naMetric("s", "n/a: no idle state")}
	unigo := &SubjectResult{Key: Unigo, Label: "unigo",
		FirstLine: naMetric("s", "n/a: does not boot: kernel crashed"), Exit: naMetric("s", "n/a: does not boot: kernel crashed"),
		ImageBytes: valueMetric("bytes", 2<<20), MinMemoryMiB: naMetric("MiB", "n/a: does not boot: kernel crashed"),
		IdleCPU: naMetric("s", "n/a: no idle state")}
	r := &BootReport{Config: ReportConfig{Runs: 2, Machine: "microvm", Accel: "tcg", IdleDuration: 10},
		reportBase: reportBase{App: AppInfo{Path: "./examples/hello", GoBuildSize: valueMetric("bytes", 1<<20)}},
		Subjects:   []*SubjectResult{floor, unigo}}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"0.150 s (0.100–0.200 s)", // median with range
		"n/a [1]",                 // the crash, footnoted once
		"[1] does not boot: kernel crashed",
		"[2] no idle state",
		"512×", // unigo image vs floor image
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[3]") {
		t.Errorf("identical reasons footnoted twice:\n%s", out)
	}
}
