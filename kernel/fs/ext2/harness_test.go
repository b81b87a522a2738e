package ext2

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// The host harness: images made by e2fsprogs, the disk functions reading
// and writing the image file, pages from the Go heap.

// e2tool finds an e2fsprogs program; tests that need one fail (never skip)
// when it is missing.
func e2tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found: install e2fsprogs (mke2fs, e2fsck, debugfs), e.g. apt-get install e2fsprogs", name)
	return ""
}

// mkfs makes an ext2 image of sizeKiB with the given block size, filled
// from src when it is not empty; extra are more mke2fs arguments.
func mkfs(t *testing.T, bs, sizeKiB int, src string, extra ...string) string {
	t.Helper()
	return mkfsType(t, "ext2", bs, sizeKiB, src, extra...)
}

// mkfsType is mkfs for another type (ext3, ext4).
func mkfsType(t *testing.T, fsType string, bs, sizeKiB int, src string, extra ...string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "disk.img")
	args := []string{"-q", "-F", "-t", fsType, "-b", fmt.Sprint(bs)}
	args = append(args, extra...)
	if src != "" {
		args = append(args, "-d", src)
	}
	args = append(args, img, fmt.Sprintf("%dk", sizeKiB))
	cmd := exec.Command(e2tool(t, "mke2fs"), args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mke2fs %v: %v\n%s", args, err, out)
	}
	return img
}

// fsck runs e2fsck -fn and fails the test unless the image is clean.
func fsck(t *testing.T, img string) {
	t.Helper()
	out, err := exec.Command(e2tool(t, "e2fsck"), "-fn", img).CombinedOutput()
	if err != nil {
		t.Fatalf("e2fsck -fn: %v\n%s", err, out)
	}
}

// debugfs runs one debugfs request and returns its standard output.
func debugfs(t *testing.T, img, req string) []byte {
	t.Helper()
	cmd := exec.Command(e2tool(t, "debugfs"), "-R", req, img)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("debugfs -R %q: %v\n%s", req, err, stderr.Bytes())
	}
	return out
}

// diskOp is one request seen by the fake disk.
type diskOp struct {
	write, flush bool
	blk          int64 // in file-system blocks (pos / block size)
}

// fakeDisk is the image file behind the cache's disk functions, and the
// pages.
type fakeDisk struct {
	t      *testing.T
	f      *os.File
	pages  map[uintptr]*[cache.PageSize]byte
	next   uintptr
	limit  int // pages that may be allocated
	log    []diskOp
	broken bool // every request fails (a dead disk)

	reads, writes, flushes int // requests, whatever their size
	readBytes              int

	// The allocator's view of the cache's pages (memory.SetCachePage):
	// when the pages run out, allocPage takes a reclaimable one, as the
	// kernel's allocator does.
	table []uintptr
	hand  int
	app   map[uintptr]bool // pages taken from the cache for "the app" (appAlloc)
}

// attach points the cache at img and the Go heap, restoring the kernel's
// page allocator and disk at the end of the test.
func attach(t *testing.T, img string) *fakeDisk {
	t.Helper()
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDisk{t: t, f: f, pages: map[uintptr]*[cache.PageSize]byte{}, next: 0x1000, limit: 1 << 20, app: map[uintptr]bool{}}
	oldPages, oldDisk := cache.Pages, cache.Disk
	allocPage := func() uintptr {
		if len(d.pages) >= d.limit {
			return d.reclaim()
		}
		p := d.next
		d.next += cache.PageSize
		d.pages[p] = new([cache.PageSize]byte)
		return p
	}
	freePage := func(p uintptr) {
		if d.pages[p] == nil || d.app[p] {
			t.Fatalf("freeing page %#x twice, never allocated, or the app's", p)
		}
		delete(d.pages, p)
	}
	pageAt := func(p uintptr) *[cache.PageSize]byte {
		if d.pages[p] == nil || d.app[p] {
			t.Fatalf("page %#x not allocated, or the app's", p)
		}
		return d.pages[p]
	}
	memUsage := func() (uintptr, uintptr) { return uintptr(len(d.pages)), uintptr(d.limit) }
	setCachePage := func(i int, p uintptr, reclaimable bool) {
		if p != 0 && (d.pages[p] == nil || d.app[p]) {
			t.Fatalf("the cache records page %#x at %d: not allocated, or the app's", p, i)
		}
		for len(d.table) <= i {
			d.table = append(d.table, 0)
		}
		if reclaimable && p != 0 {
			p |= 1
		}
		d.table[i] = p
	}
	cachePage := func(i int) uintptr {
		if i >= len(d.table) {
			return 0
		}
		return d.table[i] &^ 1
	}
	check := func(disk int, sector int64, page uintptr, off, n int) []byte {
		if disk != 0 || sector < 0 || n%512 != 0 || off < 0 || off+n > cache.PageSize || n <= 0 {
			t.Fatalf("disk request disk %d sector %d off %d n %d: not whole sectors inside a page", disk, sector, off, n)
		}
		return pageAt(page)[off : off+n]
	}
	diskRead := func(disk int, sector int64, page uintptr, off, n int) int {
		if d.broken {
			return EIO
		}
		d.reads++
		d.readBytes += n
		if _, err := d.f.ReadAt(check(disk, sector, page, off, n), sector*512); err != nil {
			return EIO
		}
		return 0
	}
	diskWrite := func(disk int, sector int64, page uintptr, off, n int) int {
		if d.broken {
			return EIO
		}
		d.writes++
		d.log = append(d.log, diskOp{write: true, blk: sector * 512 / int64(fs.bs)})
		if _, err := d.f.WriteAt(check(disk, sector, page, off, n), sector*512); err != nil {
			return EIO
		}
		return 0
	}
	// A page list, as virtioblk.Read and Write take it: whole pages but
	// the last, at most cache.MaxRun of them. The log has a write per block.
	checkList := func(disk int, sector int64, pages []uintptr, n int) {
		if disk != 0 || sector < 0 || n <= 0 || n%512 != 0 || len(pages) > cache.MaxRun || (n+cache.PageSize-1)/cache.PageSize != len(pages) {
			t.Fatalf("disk request disk %d sector %d n %d over %d pages: not whole sectors filling the pages", disk, sector, n, len(pages))
		}
	}
	diskReadPages := func(disk int, sector int64, pages []uintptr, n int) int {
		if d.broken {
			return EIO
		}
		checkList(disk, sector, pages, n)
		d.reads++
		d.readBytes += n
		for i, p := range pages {
			k := min(cache.PageSize, n-i*cache.PageSize)
			if _, err := d.f.ReadAt(pageAt(p)[:k], sector*512+int64(i*cache.PageSize)); err != nil {
				return EIO
			}
		}
		return 0
	}
	diskWritePages := func(disk int, sector int64, pages []uintptr, n int) int {
		if d.broken {
			return EIO
		}
		checkList(disk, sector, pages, n)
		d.writes++
		for i, p := range pages {
			k := min(cache.PageSize, n-i*cache.PageSize)
			pos := sector*512 + int64(i*cache.PageSize)
			for b := int64(0); b < int64(k); b += int64(fs.bs) {
				d.log = append(d.log, diskOp{write: true, blk: (pos + b) / int64(fs.bs)})
			}
			if _, err := d.f.WriteAt(pageAt(p)[:k], pos); err != nil {
				return EIO
			}
		}
		return 0
	}
	diskFlush := func(disk int) int {
		if d.broken || disk != 0 {
			return EIO
		}
		d.flushes++
		d.log = append(d.log, diskOp{flush: true})
		return 0
	}
	cache.Pages = cache.PageOps{Alloc: allocPage, Free: freePage, Bytes: pageAt, Usage: memUsage,
		SetCachePage: setCachePage, CachePage: cachePage}
	cache.Disk = cache.DiskOps{Read: diskRead, Write: diskWrite, ReadPages: diskReadPages, WritePages: diskWritePages, Flush: diskFlush}
	t.Cleanup(func() {
		if fs.mounted {
			abandon()
		}
		cache.Pages, cache.Disk = oldPages, oldDisk
		f.Close()
	})
	return d
}

// reclaim takes a reclaimable page from the cache, as the kernel's
// allocator does when RAM runs out (memory.takeCachePage), or returns 0.
func (d *fakeDisk) reclaim() uintptr {
	for k := 0; k < len(d.table); k++ {
		i := d.hand
		d.hand = (d.hand + 1) % len(d.table)
		if v := d.table[i]; v&1 != 0 {
			d.table[i] = 0
			p := v &^ 1
			clear(d.pages[p][:])
			return p
		}
	}
	return 0
}

// appAlloc takes n pages for "the app" with no memory left: each one the
// cache must give back. It returns how many it got.
func (d *fakeDisk) appAlloc(n int) int {
	d.limit = len(d.pages)
	for i := 0; i < n; i++ {
		p := cache.Pages.Alloc()
		if p == 0 {
			return i
		}
		d.app[p] = true
	}
	return n
}

// mount attaches img and mounts it read-write.
func mount(t *testing.T, img string) (*fakeDisk, Ino) {
	t.Helper()
	d := attach(t, img)
	root, e := Mount(0, false, 1_700_000_000e9)
	if e != 0 {
		t.Fatalf("mount: errno %d", e)
	}
	return d, root
}

// unmount unmounts and checks that the cache gave its pages back.
func (d *fakeDisk) unmount() {
	d.t.Helper()
	if e := Unmount(1_700_000_100e9); e != 0 {
		d.t.Fatalf("unmount: errno %d", e)
	}
	if len(d.pages) != len(d.app) {
		d.t.Fatalf("%d pages still allocated after unmount", len(d.pages)-len(d.app))
	}
}

func must(t *testing.T, e int) {
	t.Helper()
	if e != 0 {
		t.Fatalf("errno %d", e)
	}
	noPins(t)
}

// noPins fails when an operation left a cache slot pinned, or the
// cache's books (dirty counts and lists, lent pages) wrong.
func noPins(t *testing.T) {
	t.Helper()
	if n := cache.Pinned(); n != 0 {
		t.Fatalf("%d cache slots left pinned", n)
	}
	if !fs.mounted {
		return
	}
	if problem, at := cache.Check(); problem != "" {
		t.Fatalf("cache: %s (slot or page %d): %+v", problem, at, cache.Count())
	}
}

// walk resolves an absolute path (no symlinks) from the root.
func walk(t *testing.T, path string) Ino {
	t.Helper()
	ino := RootIno
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		next, e := Lookup(ino, []byte(part))
		if e != 0 {
			t.Fatalf("lookup %q in %s: errno %d", part, path, e)
		}
		ino = next
	}
	noPins(t)
	return ino
}

// readAll reads a whole file.
func readAll(t *testing.T, ino Ino) []byte {
	t.Helper()
	a, e := Stat(ino)
	must(t, e)
	buf := make([]byte, a.Size+100)
	n, e := ReadAt(ino, buf, 0)
	must(t, e)
	if int64(n) != a.Size {
		t.Fatalf("read %d bytes of %d", n, a.Size)
	}
	return buf[:n]
}

// writeAll writes data at off in chunks of the given size.
func writeAll(t *testing.T, ino Ino, data []byte, off int64, chunk int) {
	t.Helper()
	for done := 0; done < len(data); {
		end := min(done+chunk, len(data))
		n, e := WriteAt(ino, data[done:end], off+int64(done), 1_700_000_050e9)
		must(t, e)
		if n != end-done {
			t.Fatalf("short write: %d of %d at %d", n, end-done, off+int64(done))
		}
		done = end
	}
}

// names lists a directory through ReadDir.
func names(t *testing.T, dir Ino) map[string]Ino {
	t.Helper()
	m := map[string]Ino{}
	e := ReadDir(dir, 0, func(ino Ino, _ uint8, name []byte, _ int64) bool {
		if _, dup := m[string(name)]; dup {
			t.Errorf("%q listed twice", name)
		}
		m[string(name)] = ino
		return true
	})
	must(t, e)
	return m
}

// pattern is deterministic file contents that differ at every offset.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

// catFile returns what debugfs reads at path in img.
func catFile(t *testing.T, img, path string) []byte {
	t.Helper()
	return debugfs(t, img, "cat "+path)
}

func checkCat(t *testing.T, img, path string, want []byte) {
	t.Helper()
	got := catFile(t, img, path)
	if !bytes.Equal(got, want) {
		t.Fatalf("debugfs cat %s: %d bytes, want %d (first difference at %d)", path, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// superState reads the superblock's state field from the image file.
func superState(t *testing.T, img string) uint16 {
	t.Helper()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return layout.SbState.Get(b[1024:])
}

// patchSuper ORs bits into a 32-bit superblock field of the image file.
func patchSuper(t *testing.T, img string, field layout.Field32, bits uint32) {
	t.Helper()
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [4]byte
	if _, err := f.ReadAt(b[:], int64(1024+field)); err != nil {
		t.Fatal(err)
	}
	layout.Field32(0).Put(b[:], layout.Field32(0).Get(b[:])|bits)
	if _, err := f.WriteAt(b[:], int64(1024+field)); err != nil {
		t.Fatal(err)
	}
}
