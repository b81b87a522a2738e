package bench

import (
	"strings"
	"testing"
)

func TestRenderChart(t *testing.T) {
	v := func(x float64) Metric { return valueMetric("u", x) }
	mk := func(key string, first, size float64) *ContenderResult {
		return &ContenderResult{Key: key, Label: compareLabels[key],
			FirstLine: sampleMetric("s", []float64{first, first * 1.1}), Artifact: v(size),
			LeastMemory: v(4), IdleRSS: v(40), Syscalls: v(100), Executables: v(1), Shell: boolMetric(false, "none"),
			FirstHTTP: naMetric("s", "n/a: no --http"), RequestsPS: naMetric("req/s", "n/a: no --http"), P99: naMetric("ms", "n/a: no --http")}
	}
	r := &CompareReport{reportBase: reportBase{App: AppInfo{Path: "./examples/hello"}}, Config: CompareSettings{Runs: 2, Machine: "microvm", Accel: "tcg"},
		Subjects: []*ContenderResult{mk(Native, 0.001, 2<<20), mk(Container, 0.2, 2<<20), mk(Linux, 1.4, 52<<20), mk(Unigo, 0.06, 3<<20)}}
	r.Subjects[3].LeastMemory = naMetric("MiB", "n/a: the unigo kernel <has> no network yet & more")
	svg := renderChart(r)
	if err := wellFormed([]byte(svg)); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	for _, want := range []string{
		"time to the app&#39;s first line", "lower is better · log scale", // 1 ms … 1.4 s: log
		"system calls the app can reach", "n/a: the unigo kernel &lt;has&gt; no network yet &amp; more",
		"1.05 ms", "1.47 s", "52.0 MiB", // medians
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(svg, "requests per second") {
		t.Error("chart has an HTTP panel without --http")
	}
}

func TestScale(t *testing.T) {
	s := newScale([]float64{0.001, 1.4}, "s")
	if !s.log || s.lo != 0.0001 || s.hi != 10 {
		t.Errorf("log scale = %+v, want 1e-4 … 10", s)
	}
	if p := s.pos(0.001); p <= 0 || p >= s.pos(1.4) {
		t.Errorf("pos(1 ms) = %v", p)
	}
	lin := newScale([]float64{100, 360}, "%.0f")
	if lin.log || lin.hi != 500 {
		t.Errorf("linear scale = %+v, want 0 … 500", lin)
	}
	if got := lin.ticks("%.0f"); len(got) != 6 || got[1] != 100 {
		t.Errorf("ticks = %v", got)
	}
	if c := newScale([]float64{0, 1}, "%.0f"); c.hi != 3 || c.ticks("%.0f")[1] != 1 {
		t.Errorf("count scale = %+v %v", c, c.ticks("%.0f"))
	}
}
