package boot

import "testing"

func TestVolumeError(t *testing.T) {
	for _, e := range []int{5, 12, 16, 20, 22} {
		if VolumeError(e) == "" {
			t.Errorf("errno %d: no reason", e)
		}
	}
	if why := VolumeError(28); why != "" {
		t.Errorf("errno 28: %q, want none", why)
	}
}
