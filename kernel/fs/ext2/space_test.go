package ext2

import (
	"bytes"
	"fmt"
	"testing"
	"unigo.dev/unigo/kernel/fs/ext2/cache"
)

// Filling the disk: a write stops short with what fits, the next one gets
// ENOSPC, nothing is left half-allocated, and freeing makes room again.
func TestOutOfSpace(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 2<<10, "", "-m", "0")
			d, root := mount(t, img)
			ino, e := Create(root, []byte("fill"), TypeRegular|0o644, 1)
			must(t, e)
			data := pattern(4<<20, 3)
			n, e := WriteAt(ino, data, 0, 2)
			must(t, e)
			if n == 0 || n >= len(data) {
				t.Fatalf("wrote %d bytes of %d on a 2 MiB disk", n, len(data))
			}
			if fs.freeBlocks != 0 {
				t.Fatalf("%d blocks still free after a short write", fs.freeBlocks)
			}
			if _, e := WriteAt(ino, []byte("x"), int64(n)+int64(bs)*3, 3); e != ENOSPC {
				t.Fatalf("write on a full disk: errno %d", e)
			}
			// A directory cannot grow, a file without blocks can be made.
			if _, e := Mkdir(root, []byte("d"), 0o755, 4); e != ENOSPC {
				t.Fatalf("mkdir on a full disk: errno %d", e)
			}
			empty, e := Create(root, []byte("empty"), TypeRegular|0o644, 4)
			must(t, e)
			if _, e := WriteAt(empty, []byte("y"), 0, 4); e != ENOSPC {
				t.Fatalf("first block on a full disk: errno %d", e)
			}
			got := make([]byte, n)
			m, e := ReadAt(ino, got, 0)
			must(t, e)
			if m != n || !bytes.Equal(got, data[:n]) {
				t.Fatal("what was written reads back differently")
			}
			must(t, SyncAll())
			fsckMounted(t, img)
			// Free some, then there is room again.
			must(t, Truncate(ino, int64(n/2), 5))
			if fs.freeBlocks == 0 {
				t.Fatal("truncate freed nothing")
			}
			_, e = Mkdir(root, []byte("d"), 0o755, 6)
			must(t, e)
			d.unmount()
			fsck(t, img)
			checkCat(t, img, "/fill", data[:n/2])
		})
	}
}

// Running out of inodes is ENOSPC too, and the failed create leaves no trace.
func TestOutOfInodes(t *testing.T) {
	img := mkfs(t, 1024, 2<<10, "", "-N", "32")
	d, root := mount(t, img)
	made := 0
	for i := 0; ; i++ {
		_, e := Create(root, []byte(fmt.Sprintf("f%d", i)), TypeRegular|0o644, 1)
		if e == ENOSPC {
			break
		}
		must(t, e)
		made++
		if made > 100 {
			t.Fatal("no end to the inodes")
		}
	}
	if fs.freeInodes != 0 {
		t.Fatalf("ENOSPC with %d inodes free", fs.freeInodes)
	}
	if _, e := Mkdir(root, []byte("dir"), 0o755, 1); e != ENOSPC {
		t.Fatalf("mkdir without inodes: errno %d", e)
	}
	if _, e := Lookup(root, []byte("dir")); e != ENOENT {
		t.Fatal("a failed mkdir left a name")
	}
	must(t, Unlink(root, []byte("f3"), 2))
	_, e := Mkdir(root, []byte("dir"), 0o755, 3)
	must(t, e)
	d.unmount()
	fsck(t, img)
}

// A cache far smaller than the work (the page allocator runs dry after a
// few pages): every block is written back and read again many times.
func TestTinyCache(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			src, want := populate(t)
			img := mkfs(t, bs, 16<<10, src)
			d := attach(t, img)
			d.limit = 6
			_, e := Mount(0, false, 1_700_000_000e9)
			must(t, e)
			if got := readAll(t, walk(t, "sub/big")); !bytes.Equal(got, want["sub/big"]) {
				t.Fatal("sub/big differs")
			}
			if l := cache.Count().Limit; l > 6*cache.PageSize/bs {
				t.Fatalf("cache limit %d slots with 6 pages", l)
			}
			dir, e := Mkdir(RootIno, []byte("new"), 0o755, 1)
			must(t, e)
			data := pattern(2<<20, 9)
			for i := 0; i < 50; i++ {
				ino, e := Create(dir, []byte(fmt.Sprintf("file-%02d", i)), TypeRegular|0o644, 1)
				must(t, e)
				writeAll(t, ino, data[i*1000:i*1000+5000], 0, 5000)
			}
			big, _ := Create(dir, []byte("big"), TypeRegular|0o644, 1)
			writeAll(t, big, data, 0, 3000)
			if got := readAll(t, big); !bytes.Equal(got, data) {
				t.Fatal("big differs")
			}
			must(t, Rename(dir, []byte("file-07"), RootIno, []byte("moved"), false, 2))
			must(t, Truncate(big, 300_000, 3))
			d.unmount()
			fsck(t, img)
			checkCat(t, img, "/new/big", data[:300_000])
			checkCat(t, img, "/moved", data[7000:12000])
		})
	}
}

// A failing disk gives EIO, not a crash or a wrong answer.
func TestDiskErrors(t *testing.T) {
	src, _ := populate(t)
	img := mkfs(t, 1024, 8<<10, src)
	d := attach(t, img)
	d.limit = 4 // a small cache, so that reads reach the disk
	_, e := Mount(0, false, 1)
	must(t, e)
	big := walk(t, "sub/big")
	d.broken = true
	if _, e := ReadAt(big, make([]byte, 100_000), 200_000); e != EIO {
		t.Fatalf("read from a dead disk: errno %d", e)
	}
	if e := SyncAll(); e != 0 {
		// Nothing dirty yet: nothing to write, but the flush fails.
		if e != EIO {
			t.Fatalf("sync: errno %d", e)
		}
	}
	noPins(t)
	d.broken = false
	abandon()
	d.limit = 0
	if _, e := Mount(0, false, 1); e != ENOMEM {
		t.Fatalf("mount without memory: errno %d", e)
	}
	d.limit = 1 << 20
	if _, e := Mount(0, false, 1); e != 0 {
		t.Fatalf("mount after errors: %d", e)
	}
	if _, e := Mount(0, false, 1); e != EBUSY {
		t.Fatalf("second mount: errno %d", e)
	}
	d.unmount()
}
