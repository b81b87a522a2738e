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

// Every call has its Linux name in the trace, implemented or not, and the
// two tables agree on the implemented ones.
func TestTraceNames(t *testing.T) {
	for nr, n := range names {
		if n != "" && linuxNames[nr] != n {
			t.Errorf("call %d: names says %q, linuxNames %q", nr, n, linuxNames[nr])
		}
	}
	for nr, want := range map[uint64]string{73: "flock", 137: "statfs", 157: "prctl", 285: "fallocate",
		335: "uretprobe", 424: "pidfd_send_signal", 435: "clone3", 467: "open_tree_attr", 1000: "nic_info"} {
		if got := TraceName(nr); got != want {
			t.Errorf("TraceName(%d) = %q, want %q", nr, got, want)
		}
	}
	for _, nr := range []uint64{336, 423, 468, 999} {
		if got := TraceName(nr); got != "" {
			t.Errorf("TraceName(%d) = %q, want none", nr, got)
		}
	}
	for nr := range 336 {
		if linuxNames[nr] == "" {
			t.Errorf("call %d has no name", nr)
		}
	}
}
