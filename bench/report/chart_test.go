package report

import "testing"

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
