package instance

import "time"

// restartDelay is the pause before restart number n+1: 100 ms, doubling,
// at most 10 s, so that an app that fails at once does not spin.
func restartDelay(n int) time.Duration {
	if n > 7 {
		return 10 * time.Second
	}
	return min(100*time.Millisecond<<n, 10*time.Second)
}
