package ext2

import (
	"bytes"
	"fmt"
	"testing"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// Dense files crossing the direct → single → double indirect boundaries,
// written in odd-sized chunks, read back here and by debugfs.
func TestWriteLargeFiles(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 64<<10, "")
			d, root := mount(t, img)
			// Past the single indirect range: 12+256 blocks (1 KiB), 12+1024 (4 KiB).
			size := (12 + bs/4 + 40) * bs
			data := pattern(size, 7)
			ino, e := Create(root, []byte("big"), TypeRegular|0o640, 1_700_000_001e9)
			must(t, e)
			writeAll(t, ino, data, 0, 5000)
			if got := readAll(t, ino); !bytes.Equal(got, data) {
				t.Fatalf("read back differs at %d", firstDiff(got, data))
			}
			a, _ := Stat(ino)
			blocks := size / bs
			meta := 3 // the single indirect block, the double indirect and one under it
			if a.Blocks != int64((blocks+meta)*bs/512) {
				t.Fatalf("st_blocks %d, want %d", a.Blocks, (blocks+meta)*bs/512)
			}
			// Overwrite in the middle, unaligned, across the boundary.
			mid := pattern(3*bs, 9)
			at := int64((12+bs/4)*bs - bs - 17)
			writeAll(t, ino, mid, at, len(mid))
			copy(data[at:], mid)
			// Several files at once, interleaved.
			other, e := Create(root, []byte("other"), TypeRegular|0o644, 1_700_000_002e9)
			must(t, e)
			odata := pattern(300_000, 11)
			writeAll(t, other, odata, 0, 777)
			if got := readAll(t, ino); !bytes.Equal(got, data) {
				t.Fatalf("read back after overwrite differs at %d", firstDiff(got, data))
			}
			must(t, SyncAll())
			fsckMounted(t, img)
			d.unmount()
			fsck(t, img)
			checkCat(t, img, "/big", data)
			checkCat(t, img, "/other", odata)

			// Again after a fresh mount: what is on the disk reads the same.
			d, _ = mount(t, img)
			if got := readAll(t, walk(t, "big")); !bytes.Equal(got, data) {
				t.Fatal("differs after remount")
			}
			a2, _ := Stat(walk(t, "big"))
			if a2.Mtime != 1_700_000_050e9 || a2.Mode != TypeRegular|0o640 {
				t.Fatalf("after remount: mtime %d mode %o", a2.Mtime, a2.Mode)
			}
			d.unmount()
		})
	}
}

// fsckMounted checks an image after SyncAll while still mounted: the
// superblock says "not clean", the rest must be consistent.
func fsckMounted(t *testing.T, img string) {
	t.Helper()
	if superState(t, img)&layout.StateValid != 0 {
		t.Fatal("mounted read-write, the superblock must say not clean")
	}
	fsck(t, img)
}

// Holes: far writes through the double and triple indirect ranges read as
// zeros in between and take no blocks; truncate frees and zeros.
func TestSparseAndTruncate(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 16<<10, "")
			d, root := mount(t, img)
			ino, e := Create(root, []byte("sparse"), TypeRegular|0o644, 1)
			must(t, e)
			p := int64(bs / 4)
			// One write in each range: direct, single, double, triple.
			offs := []int64{5, int64(bs) * (12 + p/2), int64(bs) * (12 + p + p*p/2 + 3), int64(bs)*(12+p+p*p+p*p*p/3) - 2}
			model := map[int64]byte{}
			for i, off := range offs {
				chunk := pattern(100, byte(i+20))
				writeAll(t, ino, chunk, off, 100)
				for j, c := range chunk {
					model[off+int64(j)] = c
				}
			}
			a, _ := Stat(ino)
			size := offs[3] + 100
			if a.Size != size {
				t.Fatalf("size %d, want %d", a.Size, size)
			}
			if a.Blocks > int64(20*bs/512) {
				t.Fatalf("a sparse file took %d sectors", a.Blocks)
			}
			check := func(upTo int64) {
				t.Helper()
				// Around every write and some holes.
				for _, off := range append(offs, 0, int64(bs)*40, size-5000) {
					lo := max(0, off-3000)
					buf := make([]byte, 6000)
					n, e := ReadAt(ino, buf, lo)
					must(t, e)
					for j := 0; j < n; j++ {
						want := model[lo+int64(j)]
						if lo+int64(j) >= upTo {
							want = 0
						}
						if buf[j] != want {
							t.Fatalf("byte %d: %d, want %d", lo+int64(j), buf[j], want)
						}
					}
				}
			}
			check(size)
			if bs == 4096 && fs.roCompat&layout.ROCompatLargeFile == 0 {
				t.Fatal("a file over 2 GiB must set large_file")
			}
			must(t, SyncAll())
			fsckMounted(t, img)

			// Down into the middle of the double indirect write, then up.
			cut := offs[2] + 50
			must(t, Truncate(ino, cut, 2))
			must(t, Truncate(ino, offs[3]+100, 3))
			check(cut)
			a, _ = Stat(ino)
			if a.Blocks > int64(10*bs/512) {
				t.Fatalf("after truncate %d sectors", a.Blocks)
			}
			// Down into the direct blocks, unaligned; then grow by writing.
			must(t, Truncate(ino, 30, 4))
			writeAll(t, ino, []byte("tail"), 2*int64(bs)+10, 4)
			want := make([]byte, 2*bs+14)
			copy(want[5:], pattern(100, 20)[:25])
			copy(want[2*bs+10:], "tail")
			if got := readAll(t, ino); !bytes.Equal(got, want) {
				t.Fatalf("after truncate and write: differs at %d", firstDiff(got, want))
			}
			must(t, SyncAll())
			fsckMounted(t, img)
			must(t, Truncate(ino, 0, 5))
			if a, _ := Stat(ino); a.Blocks != 0 || a.Size != 0 {
				t.Fatalf("empty file: %d sectors, size %d", a.Blocks, a.Size)
			}
			writeAll(t, ino, want, 0, 999)
			d.unmount()
			fsck(t, img)
			checkCat(t, img, "/sparse", want)
		})
	}
}

// A file whose last block is partly beyond its size: growing it must not
// expose old bytes (the tail is zeroed).
func TestGrowReadsZeros(t *testing.T) {
	img := mkfs(t, 1024, 4<<10, "")
	d, root := mount(t, img)
	ino, _ := Create(root, []byte("f"), TypeRegular|0o644, 1)
	writeAll(t, ino, bytes.Repeat([]byte{0xAA}, 1000), 0, 1000)
	must(t, Truncate(ino, 10, 2))
	writeAll(t, ino, []byte{1}, 500, 1) // past the end, same block
	got := readAll(t, ino)
	for i := 10; i < 500; i++ {
		if got[i] != 0 {
			t.Fatalf("byte %d is %#x after growing", i, got[i])
		}
	}
	must(t, Truncate(ino, 5, 3))
	must(t, Truncate(ino, 800, 3))
	got = readAll(t, ino)
	for i := 5; i < 800; i++ {
		if got[i] != 0 {
			t.Fatalf("byte %d is %#x after truncating up", i, got[i])
		}
	}
	d.unmount()
	fsck(t, img)
}

// Symbolic links (fast and slow), FIFOs and device files.
func TestSpecialFiles(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 4<<10, "")
			d, root := mount(t, img)
			short := []byte("target/of/a/fast/link")
			long := bytes.Repeat([]byte("x/"), 200)[:399]
			for name, target := range map[string][]byte{"fast": short, "slow": long, "edge59": bytes.Repeat([]byte("e"), 59), "edge60": bytes.Repeat([]byte("f"), 60)} {
				ino, e := Create(root, []byte(name), TypeSymlink|0o777, 1)
				must(t, e)
				n, e := WriteAt(ino, target, 0, 1)
				must(t, e)
				if n != len(target) {
					t.Fatalf("%s: wrote %d", name, n)
				}
				if got := readAll(t, ino); !bytes.Equal(got, target) {
					t.Fatalf("%s: read %q", name, got)
				}
				a, _ := Stat(ino)
				if fast := a.Blocks == 0; fast != (len(target) < 60) {
					t.Fatalf("%s (%d bytes): %d sectors", name, len(target), a.Blocks)
				}
			}
			fifo, e := Create(root, []byte("fifo"), TypeFIFO|0o600, 1)
			must(t, e)
			null, e := Create(root, []byte("null"), TypeChar|0o666, 1)
			must(t, e)
			must(t, SetRdev(null, 1<<8|3))
			big, e := Create(root, []byte("bigdev"), TypeChar|0o600, 1)
			must(t, e)
			bigRdev := uint32(300<<8 | 5 | 0x123<<20) // major 300, minor 0x12305
			must(t, SetRdev(big, bigRdev))
			if a, _ := Stat(null); a.Rdev != 1<<8|3 || a.Mode != TypeChar|0o666 {
				t.Fatalf("null: rdev %#x mode %o", a.Rdev, a.Mode)
			}
			if a, _ := Stat(big); a.Rdev != bigRdev {
				t.Fatalf("big device number: %#x", a.Rdev)
			}
			if a, _ := Stat(fifo); a.Mode != TypeFIFO|0o600 {
				t.Fatalf("fifo mode %o", a.Mode)
			}
			d.unmount()
			fsck(t, img)
			if out := debugfs(t, img, "stat /slow"); !bytes.Contains(out, []byte("Type: symlink")) {
				t.Fatalf("debugfs stat /slow:\n%s", out)
			}
			if out := debugfs(t, img, "stat /fast"); !bytes.Contains(out, []byte(`Fast link dest: "target/of/a/fast/link"`)) {
				t.Fatalf("debugfs stat /fast:\n%s", out)
			}
			if out := debugfs(t, img, "stat /null"); !bytes.Contains(out, []byte("Device major/minor number: 01:03")) {
				t.Fatalf("debugfs stat /null:\n%s", out)
			}
		})
	}
}

// Attributes survive a remount and are what e2fsprogs sees.
func TestAttributes(t *testing.T) {
	img := mkfs(t, 4096, 4<<10, "")
	d, root := mount(t, img)
	ino, _ := Create(root, []byte("f"), TypeRegular|0o600, 1_700_000_000_123456789)
	must(t, Chmod(ino, 0o4751, 1_700_000_001e9))
	must(t, Chown(ino, 100000, 70000, 1_700_000_002e9))
	must(t, Chown(ino, ^uint32(0), 4242, 1_700_000_003e9))
	must(t, SetTimes(ino, 1_600_000_000_5, 5_000_000_000_000_000_007, 1_700_000_004e9)) // mtime after 2038
	d.unmount()
	fsck(t, img)
	d, _ = mount(t, img)
	a, e := Stat(walk(t, "f"))
	must(t, e)
	want := Attr{Ino: ino, Mode: TypeRegular | 0o4751, Nlink: 1, UID: 100000, GID: 4242,
		Atime: 1_600_000_000_5, Mtime: 5_000_000_000_000_000_007, Ctime: 1_700_000_004e9}
	if a != want {
		t.Fatalf("after remount:\n got %+v\nwant %+v", a, want)
	}
	d.unmount()
	if out := debugfs(t, img, "stat /f"); !bytes.Contains(out, []byte("User: 100000   Group:  4242")) {
		t.Fatalf("debugfs stat:\n%s", out)
	}
}
