package syscalls

import (
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/signals"
	"unigo.dev/unigo/kernel/threads"
)

const EPIPE = 32

func pipe2(fdsAddr uintptr, flags int) int64 {
	if flags&^(oCloexec|oNonblock|0o40000) != 0 { // O_DIRECT is accepted
		return -EINVAL
	}
	p := files.NewPipe()
	if p < 0 {
		return -ENOMEM
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
		return -EMFILE
	}
	wfd := files.Alloc(0, w)
	if wfd < 0 {
		files.Close(rfd)
		return -EMFILE
	}
	if !putU32(fdsAddr, uint32(rfd)) || !putU32(fdsAddr+4, uint32(wfd)) {
		files.Close(rfd)
		files.Close(wfd)
		return -EFAULT
	}
	return 0
}

// pipeChanged tells epoll and blocked readers and writers that a pipe moved.
func pipeChanged(f *files.File) {
	files.PipePeers(f, func(fd int) { files.Changed(fd) })
	threads.WakeRestartAll(files.PipeKey(f))
	threads.WakeRestartAll(pollKey())
}

func pipeRead(t *threads.Thread, fd int, f *files.File, buf, n uintptr) int64 {
	b, ok := userBytes(buf, n, true)
	if !ok {
		return -EFAULT
	}
	if n == 0 {
		return 0
	}
	got, eof := files.PipeRead(f, b)
	switch {
	case got > 0:
		pipeChanged(f)
		return int64(got)
	case eof:
		return 0
	case f.Flags&oNonblock != 0:
		return -EAGAIN
	}
	threads.BlockRestart(t, files.PipeKey(f))
	return blocked
}

func pipeWrite(t *threads.Thread, fd int, f *files.File, buf, n uintptr) int64 {
	b, ok := userBytes(buf, n, false)
	if !ok {
		return -EFAULT
	}
	if n == 0 {
		return 0
	}
	put, broken := files.PipeWrite(f, b)
	switch {
	case broken:
		signals.Raise(t, 13, signals.SIKernel, 0) // SIGPIPE
		return -EPIPE
	case put > 0:
		pipeChanged(f)
		return int64(put)
	case f.Flags&oNonblock != 0:
		return -EAGAIN
	}
	threads.BlockRestart(t, files.PipeKey(f))
	return blocked
}
