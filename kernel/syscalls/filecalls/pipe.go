package filecalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

func pipe2(fdsAddr uintptr, flags int) int64 {
	if flags&^(oCloexec|oNonblock|0o40000) != 0 { // O_DIRECT is accepted
		return -abi.EINVAL
	}
	p := files.NewPipe()
	if p < 0 {
		return -abi.ENOMEM
	}
	end := files.File{Pipe: p, Flags: uint32(flags & oNonblock)}
	if flags&oCloexec != 0 {
		end.FDFlags = files.FDCloexec
	}
	r, w := end, end
	r.Kind, w.Kind = files.KindPipeRead, files.KindPipeWrite
	w.Flags |= oWronly
	rfd := files.Alloc(0, r)
	if rfd < 0 {
		return -abi.EMFILE
	}
	wfd := files.Alloc(0, w)
	if wfd < 0 {
		files.Close(rfd)
		return -abi.EMFILE
	}
	if !abi.PutU32(fdsAddr, uint32(rfd)) || !abi.PutU32(fdsAddr+4, uint32(wfd)) {
		files.Close(rfd)
		files.Close(wfd)
		return -abi.EFAULT
	}
	return 0
}

// PipeChanged tells epoll and blocked readers and writers that a pipe moved.
func PipeChanged(f *files.File) {
	files.PipePeers(f, func(fd int) { files.Changed(fd) })
	threads.WakeRestartAll(files.PipeKey(f))
	threads.WakeRestartAll(PollKey())
}

func pipeRead(t *threads.Thread, fd int, f *files.File, buf, n uintptr) int64 {
	b, ok := abi.UserBytes(buf, n, true)
	if !ok {
		return -abi.EFAULT
	}
	if n == 0 {
		return 0
	}
	got, eof := files.PipeRead(f, b)
	switch {
	case got > 0:
		PipeChanged(f)
		return int64(got)
	case eof:
		return 0
	case f.Flags&oNonblock != 0:
		return -abi.EAGAIN
	}
	threads.BlockRestart(t, files.PipeKey(f))
	return abi.Blocked
}

func pipeWrite(t *threads.Thread, fd int, f *files.File, buf, n uintptr) int64 {
	b, ok := abi.UserBytes(buf, n, false)
	if !ok {
		return -abi.EFAULT
	}
	if n == 0 {
		return 0
	}
	put, broken := files.PipeWrite(f, b)
	switch {
	case broken:
		signals.Raise(t, 13, signals.SIKernel, 0) // SIGPIPE
		return -abi.EPIPE
	case put > 0:
		PipeChanged(f)
		return int64(put)
	case f.Flags&oNonblock != 0:
		return -abi.EAGAIN
	}
	threads.BlockRestart(t, files.PipeKey(f))
	return abi.Blocked
}
