package syscalls

import "testing"

// Every name in the trace table must be a call the dispatcher handles, and
// the refused ones must stay refused.
func TestImplementedAreDispatched(t *testing.T) {
	impl := Implemented()
	if len(impl) < 40 {
		t.Fatalf("only %d calls implemented: %v", len(impl), impl)
	}
	for _, n := range impl {
		if n == "execve" || n == "fork" || n == "vfork" {
			t.Fatalf("%s must be refused by design", n)
		}
	}
}

// The private calls have names for tracing but are not Linux calls: they
// are counted apart from Implemented.
func TestPrivateCallsListedApart(t *testing.T) {
	if Name(1000) != "nic_info" || Name(1001) != "nic_recv" || Name(1002) != "nic_send" || Name(999) != "" {
		t.Fatalf("names: %q %q %q %q", Name(1000), Name(1001), Name(1002), Name(999))
	}
	priv := Private()
	if len(priv) < 3 || priv[0] != "nic_info" {
		t.Fatalf("Private() = %v", priv)
	}
	for _, n := range Implemented() {
		for _, p := range priv {
			if n == p {
				t.Fatalf("%s is both a Linux call and a private one", n)
			}
		}
	}
}
