// Command mapfiles checks file mappings (mmap of files) against what Linux
// does, in the directory its second argument names (tmpfs, a volume):
//
//	suite DIR     shared and private mappings, writes both ways, growth and
//	              truncation, SIGBUS past the end, msync, mprotect, unlink
//	              while mapped; prints "ok NAME" per check and "suite passed"
//	persist DIR   writes a pattern through a shared mapping of DIR/persist.bin
//	              (no msync), says "ready", and waits for SIGTERM
//	verify DIR    reads DIR/persist.bin back with read(2) and checks the pattern
//	sigbus DIR    touches a mapping past its file's end: the Go runtime
//	              reports the SIGBUS (BUS_ADRERR) it gets and the app dies
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"unsafe"
)

const page = 4096

func fail(format string, args ...any) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

func check(what string, err error) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func ok(name string) { fmt.Println("ok", name) }

// faultAt runs f and returns the address of the memory fault it took, or 0.
var sink byte

func faultAt(f func()) (addr uintptr) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(interface{ Addr() uintptr }); ok {
				addr = e.Addr()
				return
			}
			panic(r)
		}
	}()
	f()
	return 0
}

func mmap(f *os.File, off int64, n, prot, flags int) []byte {
	b, err := syscall.Mmap(int(f.Fd()), off, n, prot, flags)
	check(fmt.Sprintf("mmap(len %d, prot %d, flags %#x)", n, prot, flags), err)
	return b
}

func pread(f *os.File, n int, off int64) []byte {
	b := make([]byte, n)
	_, err := f.ReadAt(b, off)
	check("pread", err)
	return b
}

func suite(dir string) {
	debug.SetPanicOnFault(true)
	name := filepath.Join(dir, "mapped.bin")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	check("create", err)
	check("truncate", f.Truncate(3*page))

	// A write through a shared mapping is seen by read, and a write is
	// seen through the mapping; a second mapping sees the first's writes.
	m := mmap(f, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	copy(m[5000:], "through the mapping")
	if got := pread(f, 19, 5000); string(got) != "through the mapping" {
		fail("read after a write through the mapping: %q", got)
	}
	ok("shared-write-then-read")
	_, err = f.WriteAt([]byte("by pwrite"), 8000)
	check("pwrite", err)
	if got := string(m[8000:8009]); got != "by pwrite" {
		fail("mapping after pwrite: %q", got)
	}
	ok("write-then-mapping")
	m2 := mmap(f, page, 2*page, syscall.PROT_READ, syscall.MAP_SHARED)
	if got := string(m2[5000-page : 5000-page+19]); got != "through the mapping" {
		fail("second mapping at an offset: %q", got)
	}
	m[2*page] = 'Z'
	if m2[page] != 'Z' {
		fail("second mapping does not see the first's write")
	}
	ok("two-mappings")

	// A private mapping's writes stay private.
	p := mmap(f, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if string(p[5000:5019]) != "through the mapping" {
		fail("private mapping does not show the file: %q", p[5000:5019])
	}
	p[5000] = 'X'
	if m[5000] != 't' || pread(f, 1, 5000)[0] != 't' {
		fail("a private write reached the file")
	}
	check("munmap private", syscall.Munmap(p))
	ok("private")

	// A reservation far past the end, as databases map: MAP_POPULATE does
	// not fill it; past the file's last page the access is a fault.
	big := mmap(f, 0, 10<<30, syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if big[8000] != 'b' {
		fail("big mapping reads %q", big[8000])
	}
	end := uintptr(unsafe.Pointer(&big[3*page]))
	if a := faultAt(func() { sink = big[3*page] }); a != end {
		fail("access past the end of the file: fault at %#x, want %#x", a, end)
	}
	ok("fault-past-end")
	check("grow", f.Truncate(5*page+10))
	if big[5*page+9] != 0 || big[3*page] != 0 {
		fail("grown part does not read zeros")
	}
	m[10] = 'G'
	if big[10] != 'G' {
		fail("big mapping does not see the small one's write")
	}
	ok("grow-then-access")
	check("shrink", f.Truncate(page+100))
	if a := faultAt(func() { sink = m[2*page] }); a == 0 {
		fail("no fault past the end after a shrink")
	}
	if m[page+100] != 0 || m[5000] != 0 || m[10] != 'G' {
		fail("after a shrink the last page reads %q %q %q, want zeros past the end", m[page+100], m[5000], m[10])
	}
	check("grow again", f.Truncate(3*page))
	if m[2*page] != 0 || m[8000] != 0 {
		fail("truncated data came back: %q %q", m[2*page], m[8000])
	}
	ok("shrink")

	// msync, munmap: everything written through the mapping is in the file.
	copy(m[100:], "synced")
	check("msync", msync(m, syscall.MS_SYNC))
	check("munmap", syscall.Munmap(m))
	check("munmap", syscall.Munmap(m2))
	check("munmap", syscall.Munmap(big))
	if got := pread(f, 6, 100); string(got) != "synced" {
		fail("after msync and munmap the file has %q", got)
	}
	ok("msync-munmap")

	// mprotect: read-only refuses writes, writable again takes them.
	m = mmap(f, 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	check("mprotect ro", syscall.Mprotect(m, syscall.PROT_READ))
	if a := faultAt(func() { m[1] = 'w' }); a != uintptr(unsafe.Pointer(&m[1])) {
		fail("write to a read-only mapping: fault at %#x", a)
	}
	check("mprotect rw", syscall.Mprotect(m, syscall.PROT_READ|syscall.PROT_WRITE))
	m[1] = 'w'
	if pread(f, 1, 1)[0] != 'w' {
		fail("write after mprotect did not reach the file")
	}
	check("madvise", syscall.Madvise(m, syscall.MADV_DONTNEED))
	if m[1] != 'w' {
		fail("madvise(DONTNEED) lost a shared mapping's write")
	}
	ok("mprotect-madvise")

	// mremap: grown in place or moved, the mapping keeps its file and
	// pages; shrunk, its tail is gone.
	r := mmap(f, 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	blocker := mmap(f, 0, page, syscall.PROT_READ, syscall.MAP_SHARED) // often right after r
	before := &r[0]
	r, err = mremap(r, 3*page, 1)
	check("mremap grow", err)
	fmt.Println("mremap moved the mapping:", &r[0] != before)
	if r[1] != 'w' || string(r[100:106]) != "synced" {
		fail("mremap lost the mapping's contents: %q %q", r[1], r[100:106])
	}
	r[2*page+5] = 'M'
	if pread(f, 1, 2*page+5)[0] != 'M' {
		fail("a write through the moved mapping did not reach the file")
	}
	r, err = mremap(r, page, 0)
	check("mremap shrink", err)
	if _, _, e := syscall.Syscall(syscall.SYS_MUNMAP, uintptr(unsafe.Pointer(&r[0])), page, 0); e != 0 {
		fail("munmap of the remapped: %v", e)
	}
	check("munmap", syscall.Munmap(blocker))
	ok("mremap")

	// /proc/self/maps shows the shared mapping of the file.
	var st syscall.Stat_t
	check("fstat", syscall.Fstat(int(f.Fd()), &st))
	maps, err := os.ReadFile("/proc/self/maps")
	check("maps", err)
	if !bytes.Contains(maps, []byte(fmt.Sprintf("rw-s 00000000 00:00 %d\n", st.Ino))) {
		fail("/proc/self/maps has no shared mapping of inode %d:\n%s", st.Ino, maps)
	}
	ok("proc-maps")

	// Unlinked and closed while mapped: the mapping still works.
	check("close", f.Close())
	check("unlink", os.Remove(name))
	m[2] = 'u'
	if m[1] != 'w' || m[2] != 'u' {
		fail("mapping of an unlinked file")
	}
	check("munmap", syscall.Munmap(m))
	ok("unlinked")

	// What may not be mapped, and /dev/zero.
	ro, err := os.Open("/etc/passwd")
	check("open /etc/passwd", err)
	if _, err := syscall.Mmap(int(ro.Fd()), 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED); !errors.Is(err, syscall.EACCES) {
		fail("shared writable mapping of a read-only descriptor: %v", err)
	}
	pw := mmap(ro, 0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if !strings.HasPrefix(string(pw), "root:") {
		fail("private mapping of /etc/passwd: %q", pw[:16])
	}
	d, err := os.Open(dir)
	check("open dir", err)
	if _, err := syscall.Mmap(int(d.Fd()), 0, page, syscall.PROT_READ, syscall.MAP_SHARED); !errors.Is(err, syscall.ENODEV) {
		fail("mapping a directory: %v", err)
	}
	z, err := os.OpenFile("/dev/zero", os.O_RDWR, 0)
	check("open /dev/zero", err)
	zm := mmap(z, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	zm[page] = 1
	if zm[0] != 0 || zm[page] != 1 {
		fail("/dev/zero mapping")
	}
	ok("refusals-and-devzero")
	fmt.Println("suite passed")
}

// mremap resizes b's mapping to n bytes (flags 1: MREMAP_MAYMOVE).
func mremap(b []byte, n, flags int) ([]byte, error) {
	p, _, e := syscall.Syscall6(syscall.SYS_MREMAP, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(n), uintptr(flags), 0, 0)
	if e != 0 {
		return nil, e
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), n), nil
}

func msync(b []byte, flags int) error {
	_, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(flags))
	if e != 0 {
		return e
	}
	return nil
}

func pattern(i int) byte { return byte(i*31 + i/page) }

const persistSize = 64*page + 123

func main() {
	dir := os.Args[2]
	switch os.Args[1] {
	case "suite":
		suite(dir)
	case "persist":
		f, err := os.OpenFile(filepath.Join(dir, "persist.bin"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		check("create", err)
		check("truncate", f.Truncate(persistSize))
		m := mmap(f, 0, persistSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		check("close", f.Close())
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		for i := range m {
			m[i] = pattern(i)
		}
		fmt.Println("ready")
		<-sig
		fmt.Println("terminated")
	case "sigbus":
		f, err := os.OpenFile(filepath.Join(dir, "short.bin"), os.O_RDWR|os.O_CREATE, 0o644)
		check("create", err)
		check("truncate", f.Truncate(100))
		m := mmap(f, 0, 2*page, syscall.PROT_READ, syscall.MAP_SHARED)
		fmt.Println("inside the file:", m[99])
		fmt.Println("past its end:", m[page])
	case "verify":
		b, err := os.ReadFile(filepath.Join(dir, "persist.bin"))
		check("read", err)
		if len(b) != persistSize {
			fail("size %d, want %d", len(b), persistSize)
		}
		for i := range b {
			if b[i] != pattern(i) {
				fail("byte %d is %d, want %d", i, b[i], pattern(i))
			}
		}
		fmt.Println("verified")
	}
}
