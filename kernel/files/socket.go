package files

// Sockets: a descriptor of KindSocket names a socket of package sockets;
// dup'ed descriptors share it, and the socket closes with the last one.

// SocketOps are the socket layer's functions this package calls. The
// network stack's init (kernel/netstack) sets them, so that an app without
// the network has no socket code in its image (and no descriptor of these
// kinds, so they are never called unset).
type SocketOps struct {
	Ready       func(sock int32) uint32 // a socket's readiness events
	WorkPending func() bool             // whether the work descriptor is readable
	Close       func(sock int32)        // the last descriptor of a socket closed
	Detach      func()                  // the work descriptor closed
}

// Sockets is the socket layer, once linked in.
var Sockets SocketOps

// socketOpen reports whether a descriptor, or a file in flight, still
// refers to socket sock.
func socketOpen(sock int32) bool {
	return referenced(func(f *File) bool { return f.Kind == KindSocket && f.Sock == sock })
}

// SocketChanged records that socket sock's readiness may have changed, for
// every descriptor on it (see Changed).
func SocketChanged(sock int32) {
	changedWhere(func(f *File) bool { return f.Kind == KindSocket && f.Sock == sock })
}

// NetstackChanged records that the work descriptor may have become ready.
func NetstackChanged() {
	changedWhere(func(f *File) bool { return f.Kind == KindNetstack })
}

// NICChanged records that the card's receive descriptor may have become
// ready (a frame came in).
func NICChanged() {
	changedWhere(func(f *File) bool { return f.Kind == KindNIC })
}
