package syscalls

import (
	"slices"
	"testing"
)

// The socket calls are Linux calls and count in the attack surface; the
// socket layer's private calls do not.
func TestSocketCallsListed(t *testing.T) {
	impl := Implemented()
	for _, n := range []string{"socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername",
		"setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown"} {
		if !slices.Contains(impl, n) {
			t.Errorf("%s is not in Implemented()", n)
		}
	}
	for nr, n := range map[uint64]string{1003: "net_attach", 1004: "net_ctl", 1005: "net_io", 1006: "nic_open"} {
		if Name(nr) != n || slices.Contains(impl, n) || !slices.Contains(Private(), n) {
			t.Errorf("private call %d: name %q, in Implemented() %v", nr, Name(nr), slices.Contains(impl, n))
		}
	}
	t.Logf("%d Linux calls implemented", len(impl))
}
