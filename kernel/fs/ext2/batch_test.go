package ext2

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
	"unigo.dev/unigo/kernel/fs/ext2/cache"
)

// Contiguous blocks move in runs, one request a run: a file written in
// large writes goes out in requests of up to cache.MaxRun blocks at fsync, is
// read back from the cache, and after a remount is read in runs too;
// small sequential reads grow a read-ahead window, random reads fetch
// one block each.
func TestBatchedIO(t *testing.T) {
	img := mkfs(t, 4096, 64<<10, "")
	d, root := mount(t, img)
	ino, e := Create(root, []byte("f"), TypeRegular|0o644, 1)
	must(t, e)
	const blocks = 1100 // 4.3 MiB: direct, single and double indirect
	data := pattern(blocks*4096, 5)
	d.writes, d.reads = 0, 0
	writeAll(t, ino, data, 0, 1<<20)
	if d.writes != 0 || d.reads > 2 { // a bitmap, say
		t.Fatalf("writing 4 MiB into a large cache: %d writes, %d reads before fsync", d.writes, d.reads)
	}
	d.log, d.flushes = nil, 0
	must(t, Sync(ino))
	// Data runs break at the indirect blocks (placed among the data) and
	// every cache.MaxRun blocks; metadata is a few requests more.
	if max := blocks/cache.MaxRun + 3 + 10; d.writes > max {
		t.Fatalf("fsync of 4 MiB: %d write requests, want at most %d", d.writes, max)
	}
	isData := map[int64]bool{}
	for _, b := range fileBlocks(t, img, "/f") {
		isData[b] = true
	}
	for _, b := range indirectBlocks(t, img, "/f") {
		delete(isData, b)
	}
	if len(isData) != blocks {
		t.Fatalf("%d data blocks on the disk, want %d", len(isData), blocks)
	}
	flushed, written := false, 0
	for _, op := range d.log {
		switch {
		case op.flush:
			flushed = true
		case isData[op.blk] == flushed:
			t.Fatalf("block %d (data: %v) on the wrong side of the first flush", op.blk, isData[op.blk])
		case isData[op.blk]:
			written++
		}
	}
	if written != blocks {
		t.Fatalf("%d data blocks written, want %d", written, blocks)
	}
	if d.flushes != 2 {
		t.Fatalf("fsync of new blocks: %d flushes, want 2", d.flushes)
	}
	d.reads = 0
	if got := readAll(t, ino); !bytes.Equal(got, data) {
		t.Fatalf("re-read differs at %d", firstDiff(got, data))
	}
	if d.reads != 0 {
		t.Fatalf("re-reading a file just written: %d disk reads", d.reads)
	}
	d.unmount()
	fsck(t, img)
	checkCat(t, img, "/f", data)

	// Cold, in 1 MiB reads: runs.
	d, _ = mount(t, img)
	ino = walk(t, "f")
	d.reads = 0
	buf := make([]byte, 1<<20)
	for off := 0; off < len(data); off += len(buf) {
		n, e := ReadAt(ino, buf, int64(off))
		must(t, e)
		if n != min(len(buf), len(data)-off) || !bytes.Equal(buf[:n], data[off:off+n]) {
			t.Fatalf("cold read at %d differs", off)
		}
	}
	if max := blocks/cache.MaxRun + 3 + 6; d.reads > max {
		t.Fatalf("cold read of 4 MiB in 1 MiB reads: %d requests, want at most %d", d.reads, max)
	}
	d.unmount()

	// Cold, in 4 KiB reads: the window grows to cache.MaxRun blocks.
	d, _ = mount(t, img)
	ino = walk(t, "f")
	d.reads = 0
	small := make([]byte, 4096)
	for off := 0; off < 1<<20; off += len(small) {
		n, e := ReadAt(ino, small, int64(off))
		must(t, e)
		if n != len(small) || !bytes.Equal(small, data[off:off+n]) {
			t.Fatalf("small read at %d differs", off)
		}
	}
	if max := 256/cache.MaxRun + 4 + 3; d.reads > max {
		t.Fatalf("cold read of 1 MiB in 4 KiB reads: %d requests, want at most %d", d.reads, max)
	}

	// Random: one block a request, nothing ahead.
	rng := rand.New(rand.NewSource(1))
	ReadAt(ino, small, int64(blocks-1)*4096) // the indirect blocks on the way
	d.reads, d.readBytes = 0, 0
	for i := 0; i < 50; i++ {
		off := int64(256+rng.Intn(blocks-256)) * 4096
		if _, e := ReadAt(ino, small, off); e != 0 {
			t.Fatal(e)
		}
		if !bytes.Equal(small, data[off:off+4096]) {
			t.Fatalf("random read at %d differs", off)
		}
	}
	if d.readBytes > 50*4096+2*4096 {
		t.Fatalf("50 random 4 KiB reads read %d bytes from the disk", d.readBytes)
	}
	d.unmount()
	fsck(t, img)
}

// An fsync that only overwrote blocks the disk already maps costs one
// flush (data and metadata together); one that allocated costs two, the
// new blocks on the disk before the flush that precedes the metadata.
func TestFsyncFlushes(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 8<<10, "")
			d, root := mount(t, img)
			ino, e := Create(root, []byte("f"), TypeRegular|0o644, 1)
			must(t, e)
			data := pattern(64<<10, 3)
			writeAll(t, ino, data, 0, len(data))
			must(t, Sync(ino))

			d.log, d.flushes = nil, 0
			patch := pattern(bs, 4)
			writeAll(t, ino, patch, int64(3*bs), bs)
			copy(data[3*bs:], patch)
			must(t, Sync(ino))
			if d.flushes != 1 || !d.log[len(d.log)-1].flush {
				t.Fatalf("fsync of an overwrite: %+v, want the writes and one flush", d.log)
			}

			d.log, d.flushes = nil, 0
			tail := pattern(2*bs, 5)
			writeAll(t, ino, tail, int64(len(data)), bs)
			data = append(data, tail...)
			must(t, Sync(ino))
			if d.flushes != 2 {
				t.Fatalf("fsync of new blocks: %d flushes, want 2", d.flushes)
			}
			blks := fileBlocks(t, img, "/f")
			isNew := map[int64]bool{blks[len(blks)-1]: true, blks[len(blks)-2]: true}
			flushed := false
			for _, op := range d.log {
				switch {
				case op.flush:
					flushed = true
				case isNew[op.blk] && flushed:
					t.Fatalf("new block %d written after the first flush: %+v", op.blk, d.log)
				case !isNew[op.blk] && !flushed:
					t.Fatalf("block %d (metadata) written before the new blocks were flushed: %+v", op.blk, d.log)
				}
			}
			d.unmount()
			fsck(t, img)
			checkCat(t, img, "/f", data)
		})
	}
}

// Dirty data past the cache's DirtyMax is written back while the writes go on, in
// runs, without flushes (nothing points at it yet on the disk).
func TestDirtyLimit(t *testing.T) {
	img := mkfs(t, 4096, 16<<10, "")
	d, root := mount(t, img)
	ino, e := Create(root, []byte("f"), TypeRegular|0o644, 1)
	must(t, e)
	cache.SetLimit(max(cache.Count().Slots, 256)) // DirtyMax: 64 blocks
	d.writes, d.flushes = 0, 0
	data := pattern(1<<20, 6)
	writeAll(t, ino, data, 0, 64<<10)
	if d.writes == 0 || d.writes > 256/cache.MaxRun+4 || d.flushes != 0 {
		t.Fatalf("1 MiB written with at most 64 dirty blocks: %d write requests, %d flushes before fsync", d.writes, d.flushes)
	}
	if c := cache.Count(); c.DirtyData > c.DirtyMax {
		t.Fatalf("%d dirty data blocks, more than %d", c.DirtyData, c.DirtyMax)
	}
	d.unmount()
	fsck(t, img)
	checkCat(t, img, "/f", data)
}

// When the app needs memory the allocator does not have, it takes the
// cache's clean pages; dirty and pinned ones stay. The cache notices and
// reads those blocks again; nothing written is lost.
func TestReclaim(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			src, want := populate(t)
			img := mkfs(t, bs, 16<<10, src)
			d, root := mount(t, img)
			big := walk(t, "sub/big4k")
			if got := readAll(t, big); !bytes.Equal(got, want["sub/big4k"]) {
				t.Fatal("sub/big4k differs")
			}
			ino, e := Create(root, []byte("new"), TypeRegular|0o644, 1)
			must(t, e)
			data := pattern(200_000, 8)
			writeAll(t, ino, data, 0, 10_000) // dirty: must not be taken
			before := len(d.pages)
			got := d.appAlloc(before)
			if got == 0 || got >= before {
				t.Fatalf("the app got %d of the cache's %d pages", got, before)
			}
			t.Logf("the app took %d of %d pages", got, before)
			if got := readAll(t, big); !bytes.Equal(got, want["sub/big4k"]) {
				t.Fatal("sub/big4k differs after its pages were taken")
			}
			if got := readAll(t, ino); !bytes.Equal(got, data) {
				t.Fatal("dirty data lost to the allocator")
			}
			// Some memory back: the cache grows again and carries on.
			d.limit += 64
			more := pattern(300_000, 9)
			writeAll(t, ino, more, int64(len(data)), 7000)
			must(t, Truncate(big, 123_456, 2))
			must(t, SyncAll())
			d.unmount() // frees the cache's pages, not those the app took
			fsck(t, img)
			checkCat(t, img, "/new", append(data, more...))
			checkCat(t, img, "/sub/big4k", want["sub/big4k"][:123_456])
		})
	}
}
