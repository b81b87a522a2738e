package filecalls

import (
	"unigo.dev/unigo/kernel/consolein"
	"unigo.dev/unigo/kernel/devices/serial"
	"unigo.dev/unigo/kernel/files"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/syscalls/abi"
	"unigo.dev/unigo/kernel/threads"
)

// The app's standard streams: stdout on COM1, stderr on COM2; stdin is
// the host's input on COM4 when it gives one (package consolein), else at
// end-of-file.
func consolePort(k files.Kind) serial.Port {
	if k == files.KindConsoleOut {
		return serial.COM1
	}
	return serial.COM2
}

func read(t *threads.Thread, fd int, buf, n uintptr) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	switch f.Kind {
	case files.KindConsoleIn:
		return stdinRead(t, f, buf, n)
	case files.KindEventfd:
		return eventfdRead(f, buf, n)
	case files.KindTimerfd:
		return timerfdRead(t, f, buf, n)
	case files.KindSignalfd:
		return signalfdRead(t, f, buf, n)
	case files.KindFile, files.KindDevice:
		return fileRead(f, buf, n, -1)
	case files.KindPipeRead:
		return pipeRead(t, fd, f, buf, n)
	case files.KindPipeWrite:
		return -abi.EBADF
	}
	return -abi.EINVAL
}

func write(t *threads.Thread, fd int, buf, n uintptr) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	switch f.Kind {
	case files.KindConsoleOut, files.KindConsoleErr:
		b, ok := abi.UserBytes(buf, n, false)
		if !ok {
			return -abi.EFAULT
		}
		consolePort(f.Kind).Write(b)
		return int64(n)
	case files.KindEventfd:
		return eventfdWrite(fd, f, buf, n)
	case files.KindFile, files.KindDevice:
		return fileWrite(f, buf, n, -1)
	case files.KindPipeWrite:
		return pipeWrite(t, fd, f, buf, n)
	case files.KindPipeRead:
		if files.PipeWritable(f) { // a named pipe opened O_RDWR
			return pipeWrite(t, fd, f, buf, n)
		}
		return -abi.EBADF
	}
	return -abi.EINVAL
}

// stdinRead reads the host's input, waiting for it unless the descriptor
// is non-blocking.
func stdinRead(t *threads.Thread, f *files.File, buf, n uintptr) int64 {
	if n == 0 {
		return 0
	}
	b, ok := abi.UserBytes(buf, n, true)
	if !ok {
		return -abi.EFAULT
	}
	got, eof := consolein.Read(b)
	switch {
	case got > 0:
		return int64(got)
	case eof:
		return 0
	case f.Flags&oNonblock != 0:
		return -abi.EAGAIN
	}
	consolein.Wait(t)
	return abi.Blocked
}

func eventfdRead(f *files.File, buf, n uintptr) int64 {
	if n < 8 {
		return -abi.EINVAL
	}
	if f.Count == 0 {
		return -abi.EAGAIN // the Go runtime opens its eventfd non-blocking
	}
	b, ok := abi.UserBytes(buf, 8, true)
	if !ok {
		return -abi.EFAULT
	}
	abi.PutLE64(b, f.Count)
	f.Count = 0
	return 8
}

func eventfdWrite(fd int, f *files.File, buf, n uintptr) int64 {
	if n < 8 {
		return -abi.EINVAL
	}
	b, ok := abi.UserBytes(buf, 8, false)
	if !ok {
		return -abi.EFAULT
	}
	v := abi.GetLE64(b)
	if v == ^uint64(0) || f.Count+v < f.Count || f.Count+v == ^uint64(0) {
		return -abi.EAGAIN
	}
	f.Count += v
	readinessChanged(fd)
	return 8
}

func closeFD(fd int) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	pipeEnd := *f
	files.Close(fd)
	if pipeEnd.Kind == files.KindPipeRead || pipeEnd.Kind == files.KindPipeWrite {
		PipeChanged(&pipeEnd)
	}
	return 0
}

// fstat describes the console streams as character devices.
func fstat(fd int, st uintptr) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	if f.Kind == files.KindFile || f.Kind == files.KindDevice {
		return statTo(memfs.Ino(f.Ino), st)
	}
	isPipe := f.Kind == files.KindPipeRead || f.Kind == files.KindPipeWrite
	if isPipe && files.FifoInode(f) != 0 {
		return statTo(memfs.Ino(files.FifoInode(f)), st)
	}
	b, ok := abi.UserBytes(st, 144, true)
	if !ok {
		return -abi.EFAULT
	}
	clear(b)
	const sIFCHR = 0o020000
	mode := uint32(sIFCHR | 0o620)
	switch {
	case f.Kind == files.KindEventfd || f.Kind == files.KindEpoll || f.Kind == files.KindTimerfd || f.Kind == files.KindSignalfd:
		mode = 0o600 // anonymous inode
	case isPipe:
		mode = memfs.TypeFIFO | 0o600
	}
	abi.PutLE32(b[24:], mode) // st_mode
	b[16] = 1                 // st_nlink
	abi.PutLE64(b[56:], 4096) // st_blksize
	return 0
}

func ioctl(fd int, req uint64) int64 {
	if files.Get(fd) == nil {
		return -abi.EBADF
	}
	return -abi.ENOTTY // the console is a serial line, not a terminal
}

func fcntl(fd, cmd int, arg uintptr) int64 {
	f := files.Get(fd)
	if f == nil {
		return -abi.EBADF
	}
	const (
		fDupFD        = 0
		fGetFD        = 1
		fSetFD        = 2
		fGetFL        = 3
		fSetFL        = 4
		fDupFDCloexec = 1030
	)
	switch cmd {
	case fGetFD:
		return int64(f.FDFlags)
	case fSetFD:
		f.FDFlags = uint32(arg) & files.FDCloexec
		return 0
	case fGetFL:
		return int64(f.Flags)
	case fSetFL:
		f.Flags = f.Flags&^files.ONonblock | uint32(arg)&files.ONonblock
		return 0
	case fDupFD, fDupFDCloexec:
		nf := *f
		nf.FDFlags = 0
		if cmd == fDupFDCloexec {
			nf.FDFlags = files.FDCloexec
		}
		if f.Kind == files.KindEpoll {
			return -abi.EINVAL
		}
		nfd := files.Alloc(int(arg), nf)
		if nfd < 0 {
			return -abi.EMFILE
		}
		Reopened(&nf)
		return int64(nfd)
	}
	return -abi.EINVAL
}
