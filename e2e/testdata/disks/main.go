// Command disks checks the guest's block devices. Each argument
// NAME:SIZE:SEED:MODE names a disk (/dev/NAME) of SIZE bytes that the host
// filled with pattern(SEED); MODE is rw or ro. For every disk it checks the
// device file, reads the pattern back (whole, and through small sequential
// reads), and for rw disks writes pattern(SEED+100) over [patchAt,
// patchAt+patchLen), writes the last 100 bytes through a write that runs
// past the end (ENOSPC), fsyncs, and reads everything back. The host then
// checks its files. Prints "ok NAME" per disk.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Shared with the host test (e2e/disk_test.go).
const (
	patchAt  = 12345  // unaligned: partial sectors at both ends
	patchLen = 300000 // more than one driver request (128 KiB)
	tailLen  = 100
)

// pattern is a byte per position that differs between sectors and seeds.
func pattern(seed, off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		x := uint32(off+i)*2654435761 ^ uint32(seed)*40503
		b[i] = byte(x>>24) ^ byte(x>>8)
	}
	return b
}

func fail(format string, args ...any) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	for _, arg := range os.Args[1:] {
		f := strings.Split(arg, ":")
		size, _ := strconv.Atoi(f[1])
		seed, _ := strconv.Atoi(f[2])
		check(f[0], size, seed, f[3] == "rw")
		fmt.Println("ok", f[0])
	}
}

func check(name string, size, seed int, rw bool) {
	path := "/dev/" + name
	st, err := os.Stat(path)
	if err != nil || st.Mode()&fs.ModeDevice == 0 || st.Mode()&fs.ModeCharDevice != 0 {
		fail("%s: stat: %v %v: want a block device", path, err, st)
	}
	flag := os.O_RDONLY
	if rw {
		flag = os.O_RDWR
	} else if _, err := os.OpenFile(path, os.O_RDWR, 0); !errors.Is(err, syscall.EROFS) {
		fail("%s: opening a read-only disk for writing: %v, want EROFS", path, err)
	}
	d, err := os.OpenFile(path, flag, 0)
	if err != nil {
		fail("%s: open: %v", path, err)
	}
	defer d.Close()
	if end, err := d.Seek(0, io.SeekEnd); err != nil || end != int64(size) {
		fail("%s: size by SEEK_END: %d %v, want %d", path, end, err, size)
	}

	want := pattern(seed, 0, size)
	got := make([]byte, size)
	if n, err := d.ReadAt(got, 0); n != size || err != nil || !bytes.Equal(got, want) {
		fail("%s: ReadAt the whole disk: %d bytes, %v, equal %v", path, n, err, bytes.Equal(got, want))
	}
	// Sequential reads of an odd size advance the offset and end at EOF.
	if _, err := d.Seek(1000, io.SeekStart); err != nil {
		fail("%s: seek: %v", path, err)
	}
	var seq bytes.Buffer
	buf := make([]byte, 3001)
	for {
		n, err := d.Read(buf)
		seq.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			fail("%s: read: %v", path, err)
		}
	}
	if !bytes.Equal(seq.Bytes(), want[1000:]) {
		fail("%s: sequential reads from 1000 differ (%d bytes)", path, seq.Len())
	}
	if !rw {
		return
	}

	patch := pattern(seed+100, patchAt, patchLen)
	if n, err := d.WriteAt(patch, patchAt); n != patchLen || err != nil {
		fail("%s: WriteAt: %d %v", path, n, err)
	}
	copy(want[patchAt:], patch)
	// A write running past the end writes what fits, then ENOSPC.
	tail := pattern(seed+100, size-tailLen, 3*tailLen)
	if _, err := d.Seek(int64(size-tailLen), io.SeekStart); err != nil {
		fail("%s: seek: %v", path, err)
	}
	if n, err := d.Write(tail); n != tailLen || !errors.Is(err, syscall.ENOSPC) {
		fail("%s: write past the end: %d %v, want %d and ENOSPC", path, n, err, tailLen)
	}
	copy(want[size-tailLen:], tail)
	if err := d.Sync(); err != nil {
		fail("%s: fsync: %v", path, err)
	}
	if n, err := d.ReadAt(got, 0); n != size || err != nil || !bytes.Equal(got, want) {
		fail("%s: reading back after the writes: %d %v, equal %v", path, n, err, bytes.Equal(got, want))
	}
}
