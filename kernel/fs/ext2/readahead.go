package ext2

import "unigo.dev/unigo/kernel/fs/ext2/cache"

// Read-ahead: a file read sequentially is fetched in runs of blocks that
// are contiguous on the disk, one request a run (up to cache.MaxRun
// blocks, 128 KiB), instead of a request a block. A read that needs several blocks
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

// ra follows the files being read.
var ra [raStates]raState

func readAheadReset() { ra = [raStates]raState{} }

// readWindow is how many blocks to read ahead for a read of ino at off.
func readWindow(ino Ino, off int64) int {
	r := &ra[uint32(ino)%raStates]
	if r.ino != ino {
		*r = raState{ino: ino, next: -1}
	}
	switch {
	case off == r.next:
		r.win = min(max(2*r.win, raMin), cache.MaxRun)
	case off == 0:
		r.win = raMin
	default:
		r.win = 0
	}
	return r.win
}

// readDone records where ino's last read ended.
func readDone(ino Ino, end int64) {
	if r := &ra[uint32(ino)%raStates]; r.ino == ino {
		r.next = end
	}
}

// prefetch brings logical blocks lb … until-1 of the file into the cache,
// as far as they continue lb's block (blk, not cached) on the disk and are
// not cached, in one request (cache.Prefetch). It is best effort: what it
// does not fetch, cache.Get reads a block at a time.
func prefetch(ino Ino, n *inode, lb uint64, blk uint32, until uint64) {
	limit := cache.PrefetchMax()
	k := 1
	for k < limit && lb+uint64(k) < until {
		b, _, e := mapBlock(ino, n, lb+uint64(k), false)
		if e != 0 || b != blk+uint32(k) || b >= fs.blocksCount || cache.Cached(b) {
			break
		}
		k++
	}
	cache.Prefetch(blk, k)
}
