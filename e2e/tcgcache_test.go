package e2e

import "testing"

// --tcg-cache bounds QEMU's translated-code cache under software
// emulation, and the app runs as without it.
func TestTCGCache(t *testing.T) {
	t.Parallel()
	run(t, image(t, "./examples/hello"), "--accel", "tcg", "--tcg-cache", "8M", "--verbose").expect(t, 0,
		"Hello from a unigo unikernel!", "stderr:-accel tcg,tb-size=8 ")
}
