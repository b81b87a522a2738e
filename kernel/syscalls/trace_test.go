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
