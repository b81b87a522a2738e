package files

// A named pipe (FIFO) is a memfs inode of type FIFO; while some descriptor
// has it open, a pipe from the table carries its data. The pipe goes when
// the last end closes, and with it any unread bytes, as on Linux.

// FifoOpen attaches a new end to the named pipe on inode ino, making its
// pipe on first open, and returns a descriptor of kind KindPipeRead or
// KindPipeWrite (both ends counted for O_RDWR, which never waits).
// It returns -1 when no pipe is free.
func FifoOpen(ino uint32, read, write bool) (File, bool) {
	idx := int32(-1)
	for i := range pipes {
		if pipes[i].used && pipes[i].fifo == ino {
			idx = int32(i)
			break
		}
	}
	if idx < 0 {
		if idx = newPipe(0, 0, ino); idx < 0 {
			return File{}, false
		}
	}
	p := &pipes[idx]
	f := File{Kind: KindPipeRead, Pipe: idx}
	if read {
		p.readers++
	}
	if write {
		p.writers++
		if !read {
			f.Kind = KindPipeWrite
		}
	}
	return f, true
}

// ReleaseFifoEnd undoes FifoOpen when no descriptor could hold the end.
func ReleaseFifoEnd(f *File) { closePipeEnd(f) }

// FifoPeers reports how many read and write ends f's pipe has.
func FifoPeers(f *File) (readers, writers int32) {
	p := f.pipe()
	return p.readers, p.writers
}

// FifoInode returns the memfs inode of a named pipe's end (0 for pipe(2)).
func FifoInode(f *File) uint32 { return f.pipe().fifo }

// FifoWaitKey is the wait channel of the threads whose open of f's named
// pipe waits for the other side: readers wait for a writer and writers for
// a reader, on separate keys.
func FifoWaitKey(f *File, forWriter bool) uintptr {
	k := pipeKeyBase + maxPipes + 2*uintptr(f.Pipe)
	if forWriter {
		k++
	}
	return k
}
