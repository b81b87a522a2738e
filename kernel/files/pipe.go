package files

import "unigo.dev/unigo/kernel/memory"

// A pipe is a ring buffer in one page, with a reader and a writer end.
type pipe struct {
	page        uintptr // physical page holding the data
	head, count int     // ring position and bytes held
	readers     int32   // open read ends
	writers     int32   // open write ends
	fifo        uint32  // the memfs inode of a named pipe (FIFO); 0 for pipe(2)
	used        bool
}

const (
	maxPipes = 256
	pipeSize = memory.PageSize
)

var pipes [maxPipes]pipe

// NewPipe makes a pipe with one read and one write end and returns its
// index, or -1.
func NewPipe() int32 { return newPipe(1, 1, 0) }

func newPipe(readers, writers int32, fifo uint32) int32 {
	for i := range pipes {
		if !pipes[i].used {
			p := memory.AllocPage()
			if p == 0 {
				return -1
			}
			pipes[i] = pipe{page: p, readers: readers, writers: writers, fifo: fifo, used: true}
			return int32(i)
		}
	}
	return -1
}

// PipeEnd reports what a descriptor is: a pipe's read or write end.
func (f *File) pipe() *pipe { return &pipes[f.Pipe] }

// PipeRead copies buffered bytes into dst. It returns the count, and eof
// when the pipe is empty and has no writer left (0 and !eof: would block).
func PipeRead(f *File, dst []byte) (n int, eof bool) {
	p := f.pipe()
	if p.count == 0 {
		return 0, p.writers == 0
	}
	buf := memory.PageBytes(p.page)
	for n < len(dst) && p.count > 0 {
		chunk := pipeSize - p.head
		if chunk > p.count {
			chunk = p.count
		}
		if chunk > len(dst)-n {
			chunk = len(dst) - n
		}
		copy(dst[n:], buf[p.head:p.head+chunk])
		n += chunk
		p.head = (p.head + chunk) % pipeSize
		p.count -= chunk
	}
	return n, false
}

// PipeWrite buffers what fits of src. broken is set when no reader is left
// (EPIPE, SIGPIPE); 0 and !broken means the pipe is full.
func PipeWrite(f *File, src []byte) (n int, broken bool) {
	p := f.pipe()
	if p.readers == 0 {
		return 0, true
	}
	buf := memory.PageBytes(p.page)
	for n < len(src) && p.count < pipeSize {
		tail := (p.head + p.count) % pipeSize
		chunk := pipeSize - tail
		if free := pipeSize - p.count; chunk > free {
			chunk = free
		}
		if chunk > len(src)-n {
			chunk = len(src) - n
		}
		copy(buf[tail:tail+chunk], src[n:n+chunk])
		n += chunk
		p.count += chunk
	}
	return n, false
}

// ends says which ends of its pipe a descriptor holds: a named pipe opened
// O_RDWR holds both (its Kind is KindPipeRead).
func ends(f *File) (read, write bool) {
	if f.Kind == KindPipeWrite {
		return false, true
	}
	return true, f.Flags&3 == ORdwr
}

// PipeWritable reports whether f may be written: a write end, or a named
// pipe opened O_RDWR.
func PipeWritable(f *File) bool { _, w := ends(f); return w }

// closePipeEnd drops one end; the page goes when both ends are gone.
func closePipeEnd(f *File) {
	p := f.pipe()
	r, w := ends(f)
	if r {
		p.readers--
	}
	if w {
		p.writers--
	}
	if p.readers == 0 && p.writers == 0 {
		memory.FreePage(p.page)
		*p = pipe{}
	}
}

// DupPipeEnd counts another descriptor on the same end.
func DupPipeEnd(f *File) {
	p := f.pipe()
	r, w := ends(f)
	if r {
		p.readers++
	}
	if w {
		p.writers++
	}
}

func pipeReady(f *File) uint32 {
	p := f.pipe()
	r, w := ends(f)
	var ev uint32
	if r {
		if p.count > 0 {
			ev |= EventIn
		}
		if p.writers == 0 {
			ev |= EventIn | EventHup
		}
	}
	if w {
		if p.count < pipeSize {
			ev |= EventOut
		}
		if p.readers == 0 {
			ev |= EventOut | EventErr
		}
	}
	return ev
}

// PipeKey identifies a pipe as a wait channel.
func PipeKey(f *File) uintptr { return pipeKeyBase + uintptr(f.Pipe) }

// pipeKeyBase keeps pipe wait keys apart from addresses (never mapped).
const pipeKeyBase = 0xffff_f000_0000_0000

// Peers lists the descriptors open on the same pipe as f (for readiness
// notifications), calling fn for each.
func PipePeers(f *File, fn func(fd int)) {
	for fd := 0; fd < serviceSeen; fd = nextSeen(fd) {
		g := &fds[fd]
		if (g.Kind == KindPipeRead || g.Kind == KindPipeWrite) && g.Pipe == f.Pipe {
			fn(fd)
		}
	}
}
