package netcalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/sockets"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/syscalls/filecalls"
	"unigo.dev/unigo/kernel/threads"
	"unigo.dev/unigo/kernel/vfs"
)

// sendfile(2) from a regular file to a stream socket: what Go's net uses
// for TCPConn.ReadFrom(*os.File) and os.File.WriteTo(conn). The bytes go
// from the file into the socket's ring through one kernel bounce buffer,
// never through the app. Other destinations are EINVAL, on which Go
// falls back to read and write (Linux also takes files and pipes).

// sendfile copies up to count bytes of file inFD, at *offAddr (which
// advances) or at the descriptor's offset, into socket descriptor out.
// It stops when the socket's ring is full; nothing sent yet is EAGAIN or
// a wait, as for write.
func sendfile(t *threads.Thread, out *files.File, inFD int, offAddr, count uintptr) int64 {
	in := files.Get(inFD)
	switch {
	case in == nil:
		return -abi.EBADF
	case !filecalls.CanRead(in):
		return -abi.EBADF
	case in.Kind != files.KindFile || !sockets.IsStream(out.Sock):
		return -abi.EINVAL
	}
	if a, _ := vfs.Stat(memfs.Ino(in.Ino)); a.Mode&memfs.TypeMask != memfs.TypeRegular {
		return -abi.EINVAL
	}
	off := in.Off
	if offAddr != 0 {
		o, ok := abi.GetU64(offAddr)
		if !ok {
			return -abi.EFAULT
		}
		if int64(o) < 0 {
			return -abi.EINVAL
		}
		off = int64(o)
	}
	if count > 1<<31-4096 {
		count = 1<<31 - 4096 // Linux's MAX_RW_COUNT
	}
	id := out.Sock
	sent := uintptr(0)
	for sent < count {
		n := min(count-sent, uintptr(len(bounce)))
		got, e := vfs.ReadAt(memfs.Ino(in.Ino), bounce[:n], off+int64(sent))
		if e != 0 && sent == 0 {
			return abi.Errno(e)
		}
		if e != 0 || got == 0 {
			break
		}
		v := bounceIOV(got)
		r := sockets.Write(id, &v)
		if r < 0 || r == sockets.Wait {
			if sent > 0 {
				break
			}
			if r == -abi.EPIPE {
				signals.Raise(t, 13, signals.SIKernel, 0) // SIGPIPE, as write
			}
			return wait(t, id, r, out.Flags&files.ONonblock != 0)
		}
		sent += uintptr(r)
		if int(r) < got {
			break
		}
	}
	if offAddr != 0 {
		abi.PutU64(offAddr, uint64(off)+uint64(sent))
	} else {
		in.Off += int64(sent)
	}
	return int64(sent)
}
