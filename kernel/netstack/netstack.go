// Package netstack is the heap side of unigo's networking: gVisor's
// netstack (gvisor.dev/gvisor/pkg/tcpip) running as ordinary goroutines of
// the app's own Go runtime. unigo build links it into an app only when the
// app depends on package net (docs/network-design.md).
//
// The sockets themselves live in the kernel (package kernel/sockets): the
// app's read, write, accept and epoll_wait are answered there from byte
// rings and queues, without waiting for a goroutine. This package serves
// them: it reads the kernel's work queue (new sockets, bind, listen,
// connect, bytes in send rings, shutdowns, closes), makes and drives one
// gVisor endpoint per socket, moves bytes between the endpoints and the
// rings, fills accept queues and reports state changes, all through the
// private calls of package privcalls.
//
// This is not kernel code: it allocates, takes locks and blocks like any
// Go code, and the kernel's no-allocation audit leaves it out.
package netstack

import (
	"fmt"
	"os"
	"sync"

	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/privcalls"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/syscalls"
	"unigo.dev/unigo/kernel/syscalls/netcalls"
)

// init links the kernel's socket layer in, attaches to it and starts
// serving. Outside a unigo VM the attach fails and the package stays idle.
func init() {
	plugIn()
	fd, errno := attach()
	if errno != 0 {
		return
	}
	s, c, err := newStack()
	if err != nil {
		fmt.Fprintf(os.Stderr, "unigo: netstack: %v\n", err)
		return
	}
	n := &netstack{
		stack: s,
		work:  os.NewFile(uintptr(fd), "unigo-netstack-work"),
		wake:  make(chan struct{}, 1),
		socks: map[uint32]*sock{},
		dgram: make([]byte, 64<<10),
	}
	go n.readWork()
	go n.serve()
	if c != nil && c.dhcp != nil {
		// The app starts with its address, as on a Linux host whose
		// network is up before its services: main's first Listen or
		// Dial works.
		c.dhcp.waitBound(dhcpBootWait)
	}
}

// plugIn puts the kernel's socket layer (package kernel/sockets and the
// socket calls of kernel/syscalls/netcalls) into the system-call table
// and the descriptor table. Only this package does so: an app that does
// not link it has no socket code in its image, and its socket calls are
// ENOSYS.
// This runs in an init, as ordinary Go: the kernel's trap path may not
// store pointers in globals, but it only reads these.
func plugIn() {
	files.Sockets = files.SocketOps{Ready: sockets.Ready, WorkPending: sockets.WorkPending, Close: netcalls.CloseSocket, Detach: sockets.Detach}
	syscalls.Sockets = syscalls.SocketOps{Dispatch: netcalls.DispatchSocket, Events: netcalls.SocketEvents}
}

// netstack is the running stack and the sockets it serves.
type netstack struct {
	stack *stack.Stack
	work  *os.File // the kernel's work descriptor, in Go's netpoller

	// Sockets whose endpoints signalled, for serve to look at. gVisor
	// calls the waiters from any goroutine, often while its own locks are
	// held, so they only note the socket and poke wake.
	mu     sync.Mutex
	kicked []*sock
	wake   chan struct{}

	// serveMu is held by whoever serves: readWork doing work records, or
	// serve pumping kicked sockets. readWork does its records itself
	// rather than hand them over: on one CPU every goroutine switch on a
	// request's path costs (about 5% of httpd's requests/s).
	serveMu sync.Mutex
	socks   map[uint32]*sock
	dgram   []byte // one datagram on its way between the kernel and an endpoint
}

// readWork reads batches of work records. The descriptor is non-blocking
// and registered with Go's netpoller, so waiting for work parks only this
// goroutine: the thread goes back to the runtime, and the app's next
// socket call that queues work wakes it through epoll.
func (n *netstack) readWork() {
	buf := make([]byte, 64*privcalls.WorkSize)
	for {
		m, err := n.work.Read(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "unigo: netstack: reading work: %v\n", err)
			return
		}
		n.serveMu.Lock()
		for off := 0; off+privcalls.WorkSize <= m; off += privcalls.WorkSize {
			n.do(parseWork(buf[off : off+privcalls.WorkSize]))
		}
		n.serviceKicked()
		n.serveMu.Unlock()
	}
}

// serve services the endpoints that signalled.
func (n *netstack) serve() {
	for range n.wake {
		n.serveMu.Lock()
		n.serviceKicked()
		n.serveMu.Unlock()
	}
}

// kick notes that socket s's endpoint signalled.
func (n *netstack) kick(s *sock) {
	n.mu.Lock()
	if !s.kicked {
		s.kicked = true
		n.kicked = append(n.kicked, s)
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// serviceKicked pumps every socket that signalled, until none is left.
func (n *netstack) serviceKicked() {
	for {
		n.mu.Lock()
		list := n.kicked
		n.kicked = nil
		for _, s := range list {
			s.kicked = false
		}
		n.mu.Unlock()
		if len(list) == 0 {
			return
		}
		for _, s := range list {
			n.pump(s)
		}
	}
}
