package netcalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/memory"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// AF_UNIX names and socketpair. Package sockets keeps the sockets and
// their names; this file reads a sockaddr_un and, for a path, walks the
// file system: bind makes the path's node (type socket, as stat shows
// it), connect and sendto find the socket bound to a node.

// socketpair makes two connected AF_UNIX sockets and writes their
// descriptors to sv.
func socketpair(domain, typ, proto int, sv uintptr) int64 {
	flags := typ &^ sockTypeMask
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return -abi.EINVAL
	}
	switch domain {
	case sockets.AFUnix:
	case sockets.AFInet, sockets.AFInet6:
		return -abi.EOPNOTSUPP // as Linux: only AF_UNIX has pairs
	default:
		return -sockets.EAFNOSUPPORT
	}
	if !memory.CheckUser(sv, 8, true) {
		return -abi.EFAULT
	}
	a, b, e := sockets.Pair(typ&sockTypeMask, proto)
	if e != 0 {
		return e
	}
	fa := files.Alloc(0, socketFD(a, flags))
	if fa < 0 {
		sockets.Close(a)
		sockets.Close(b)
		return -abi.EMFILE
	}
	fb := files.Alloc(0, socketFD(b, flags))
	if fb < 0 {
		files.Close(fa)
		sockets.Close(b)
		return -abi.EMFILE
	}
	abi.PutU32(sv, uint32(fa))
	abi.PutU32(sv+4, uint32(fb))
	return 0
}

// unixPath returns the path of a sockaddr_un that names one (not an
// abstract name): sun_path up to its first NUL.
func unixPath(b []byte) []byte {
	p := b[2:]
	for i, c := range p {
		if c == 0 {
			return p[:i]
		}
	}
	return p
}

// checkUnixAddr checks the family and length of a sockaddr_un.
func checkUnixAddr(b []byte) int64 {
	if len(b) < 2 || len(b) > sockets.UnixAddrMax || int(b[0])|int(b[1])<<8 != sockets.AFUnix {
		return -abi.EINVAL
	}
	return 0
}

// bindUnix binds an AF_UNIX socket: no name is autobind, a leading NUL an
// abstract name, anything else a path whose node bind makes (EADDRINUSE
// when the path exists, as Linux).
func bindUnix(id int32, b []byte) int64 {
	if e := checkUnixAddr(b); e != 0 {
		return e
	}
	if len(b) == 2 {
		return sockets.Autobind(id)
	}
	if sockets.Bound(id) {
		return -abi.EINVAL
	}
	if b[2] == 0 {
		return sockets.BindUnix(id, b, 0)
	}
	path := unixPath(b)
	var name [sockets.UnixAddrMax]byte // as getsockname returns it: with the NUL
	n := copy(name[:], b[:2+len(path)])
	if n < len(name) {
		n++
	}
	var w [vfs.PathMax]byte
	r, en := vfs.Walk(vfs.Cwd(), path, vfs.Never, &w)
	switch {
	case en != 0:
		return abi.Errno(en)
	case r.Ino != 0:
		return -sockets.EADDRINUSE
	case r.Slash:
		return -abi.ENOENT
	case !vfs.Writable(r.Dir):
		return -abi.EROFS
	}
	ino, en := vfs.Create(r.Dir, r.Name, memfs.TypeSocket|vfs.CreateMode(0o777))
	if en != 0 {
		return abi.Errno(en)
	}
	if e := sockets.BindUnix(id, name[:n], uint32(ino)); e != 0 {
		vfs.Unlink(r.Dir, r.Name)
		return e
	}
	return 0
}

// unixTarget finds the socket of type typ a sockaddr_un names, for
// connect and sendto: ENOENT when the path does not exist, ECONNREFUSED
// when nothing is bound to it (or to the abstract name).
func unixTarget(b []byte, typ int) (int32, int64) {
	if e := checkUnixAddr(b); e != 0 || len(b) == 2 {
		return -1, -abi.EINVAL
	}
	if b[2] == 0 {
		t := sockets.LookupAbstract(b, typ)
		if t < 0 {
			return -1, -sockets.ECONNREFUSED
		}
		return t, 0
	}
	var w [vfs.PathMax]byte
	r, en := vfs.Walk(vfs.Cwd(), unixPath(b), vfs.Follow, &w)
	switch {
	case en != 0:
		return -1, abi.Errno(en)
	case r.Ino == 0:
		return -1, -abi.ENOENT
	}
	if a, _ := vfs.Stat(r.Ino); a.Mode&memfs.TypeMask != memfs.TypeSocket {
		return -1, -sockets.ECONNREFUSED
	}
	t := sockets.LookupNode(uint32(r.Ino), typ)
	if t < 0 {
		return -1, int64(t)
	}
	return t, 0
}

// connectUnix connects an AF_UNIX socket; a datagram socket given
// AF_UNSPEC forgets its peer.
func connectUnix(t *threads.Thread, f *files.File, b []byte) int64 {
	id := f.Sock
	if len(b) >= 2 && b[0] == 0 && b[1] == 0 && !sockets.IsStream(id) {
		return sockets.DisconnectUnix(id)
	}
	target, e := unixTarget(b, sockets.Type(id))
	if e != 0 {
		return e
	}
	return wait(t, id, sockets.ConnectUnix(id, target, f.Flags&files.ONonblock != 0), false)
}

// sendUnixRecord sends one datagram or seqpacket message: to the socket
// the address to names, or to the connected peer.
func sendUnixRecord(id int32, v *sockets.IOV, to []byte) int64 {
	if to == nil || sockets.Type(id) == sockets.SockSeqpacket {
		return sockets.SendUnix(id, v, -1) // as Linux, a seqpacket socket ignores the address
	}
	target, e := unixTarget(to, sockets.SockDgram)
	if e != 0 {
		return e
	}
	return sockets.SendUnix(id, v, target)
}
