package syscalls

import (
	"unigo.dev/unigo/kernel/boot"
	"unigo.dev/unigo/kernel/syscalls/netcalls"
	"unigo.dev/unigo/kernel/threads"
)

// The network's calls are package netcalls': the card's private calls
// (always in the table), and the socket calls with the network stack's,
// which only the stack puts in (Sockets).

// SocketOps are the socket layer's entry points in the system-call table.
// They are unset (socket calls are ENOSYS) until the network stack's init
// (kernel/netstack) sets them to netcalls.DispatchSocket and
// netcalls.SocketEvents, so an app that does not link the stack has none
// of the socket code in its image: the linker keeps only what is
// reachable, and only the stack reaches them.
type SocketOps struct {
	// Dispatch runs a socket call; ok is false for other calls. The
	// arguments come by value: a pointer to the caller's array passed to a
	// function value would make it escape to the heap.
	Dispatch func(t *threads.Thread, nr uint64, a [6]uintptr) (r int64, ok bool)
	// Events runs after every call: it passes on what the call changed.
	Events func()
}

// Sockets is the socket layer, once linked in.
var Sockets SocketOps

// NICInterrupt handles the network card's interrupt (kernel/dispatch.go):
// netcalls.NICInterrupt. Trap path.
func NICInterrupt() { netcalls.NICInterrupt() }

// SetNetConfig records the card's configuration from the command line
// (boot: the net.* tokens) for nic_info: netcalls.SetNetConfig.
func SetNetConfig(n *boot.Net) {
	netcalls.SetNetConfig(n)
}
