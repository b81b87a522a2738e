package memsize

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]int64{"64M": 64 << 20, "64m": 64 << 20, "1G": 1 << 30, "16384K": 16 << 20, "128MiB": 128 << 20, "256MB": 256 << 20} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "64", "M", "-1M", "1.5G", "64X", "1K", "99999999999G"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q): no error", in)
		}
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{64 << 20: "64M", 1 << 30: "1G", 1536 << 20: "1536M", 8196 << 10: "8196K"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
		if back, err := Parse(Format(n)); err != nil || back != n {
			t.Errorf("Parse(Format(%d)) = %d, %v", n, back, err)
		}
	}
}
