package ext2

// Read-ahead: a file read sequentially is fetched in runs of blocks that
// are contiguous on the disk, one request a run (up to maxRun blocks, 128
// KiB), instead of a request a block. A read that needs several blocks
// fetches them together; past the read itself, a window grows as Linux's
// does while the reads follow each other (16 KiB from the start of a
// file, doubling up to 128 KiB), and is 0 for reads elsewhere, so random
// reads cost one block each and nothing more.

const (
	raMin    = 4 // blocks of the first window, from a file's start
	raStates = 8 // files followed at once (by inode number)
)

// raState follows one file's reads.
type raState struct {
	ino  Ino
	next int64 // where a sequential read would start
	win  int   // blocks to read ahead
}

// ra is the read-ahead state and the request being built (a global: the
// page list handed to the disk function must not escape to the heap).
var ra struct {
	files [raStates]raState
	slots [maxRun]int32
	pages [maxRun]uintptr
}

func readAheadReset() { ra.files = [raStates]raState{} }

// readWindow is how many blocks to read ahead for a read of ino at off.
func readWindow(ino Ino, off int64) int {
	r := &ra.files[uint32(ino)%raStates]
	if r.ino != ino {
		*r = raState{ino: ino, next: -1}
	}
	switch {
	case off == r.next:
		r.win = min(max(2*r.win, raMin), maxRun)
	case off == 0:
		r.win = raMin
	default:
		r.win = 0
	}
	return r.win
}

// readDone records where ino's last read ended.
func readDone(ino Ino, end int64) {
	if r := &ra.files[uint32(ino)%raStates]; r.ino == ino {
		r.next = end
	}
}

// prefetch brings logical blocks lb … until-1 of the file into the cache,
// as far as they continue lb's block (blk, not cached) on the disk and are
// not cached, in one request. It is best effort: what it does not fetch,
// bget reads a block at a time.
func prefetch(ino Ino, n *inode, lb uint64, blk uint32, until uint64) {
	limit := min(runMax(), cache.limit/4)
	k := 1
	for k < limit && lb+uint64(k) < until {
		b, _, e := mapBlock(ino, n, lb+uint64(k), false)
		if e != 0 || b != blk+uint32(k) || b >= fs.blocksCount || findSlot(b) >= 0 {
			break
		}
		k++
	}
	if k < 2 {
		return
	}
	got := 0
	for got < k {
		s, e := victim()
		if e != 0 {
			break
		}
		ra.slots[got], ra.pages[got] = int32(s), cache.page[s]
		got++
	}
	ok := got >= 2 && diskReadPages(fs.disk, blockSector(blk), ra.pages[:got], got*fs.bs) == 0
	for i := 0; i < got; i++ {
		s := int(ra.slots[i])
		if ok {
			install(s, blk+uint32(i))
			cache.slots[s].flags |= slotData
		}
		bput(s)
	}
}
