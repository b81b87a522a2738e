package instance

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Restart is a restart policy: whether the monitor boots the VM again
// after it ends by itself (never after `unigo stop` or `unigo kill`).
type Restart struct {
	Policy     string `json:"policy"`               // "no", "on-failure" or "always"
	MaxRetries int    `json:"maxRetries,omitempty"` // on-failure: at most this many restarts; 0: no limit
}

// ParseRestart reads no, always, on-failure or on-failure:N.
func ParseRestart(s string) (Restart, error) {
	policy, max, hasMax := strings.Cut(s, ":")
	r := Restart{Policy: policy}
	switch {
	case s == "" || s == "no":
		return Restart{Policy: "no"}, nil
	case s == "always":
		return r, nil
	case policy == "on-failure" && !hasMax:
		return r, nil
	case policy == "on-failure":
		n, err := strconv.Atoi(max)
		if err == nil && n > 0 {
			r.MaxRetries = n
			return r, nil
		}
	}
	return Restart{}, fmt.Errorf("%q is not a restart policy: use no, always, on-failure or on-failure:N (N > 0 restarts at most)", s)
}

// again decides whether a VM that ended with exit (not at the user's
// request) boots again, after restarts restarts so far.
func (r Restart) again(exit *Exit, restarts int) bool {
	switch r.Policy {
	case "always":
		return true
	case "on-failure":
		return exit.Code != 0 && (r.MaxRetries == 0 || restarts < r.MaxRetries)
	}
	return false
}

// restartDelay is the pause before restart number n+1: 100 ms, doubling,
// at most 10 s, so that an app that fails at once does not spin.
func restartDelay(n int) time.Duration {
	if n > 7 {
		return 10 * time.Second
	}
	return min(100*time.Millisecond<<n, 10*time.Second)
}
