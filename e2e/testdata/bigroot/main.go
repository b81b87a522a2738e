// Command bigroot reads an image root large enough to stay on the disk
// (image.RootDiskMin): a large file read whole, mapped, and changed; a
// file just over the size the kernel leaves on the disk; a small one;
// the disks /dev shows; and a volume beside the root's disk.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

func main() {
	big, err := os.ReadFile("/data/big.bin")
	fmt.Printf("big read: %x err=%v\n", sha256.Sum256(big), err)
	mid, err := os.ReadFile("/data/mid.bin")
	fmt.Printf("mid read: %x err=%v\n", sha256.Sum256(mid), err)
	small, err := os.ReadFile("/data/small.txt")
	fmt.Printf("small read: %q err=%v\n", small, err)

	f, err := os.OpenFile("/data/big.bin", os.O_RDWR, 0)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	st, _ := f.Stat()
	fmt.Printf("big size %d, blocks cover it: %v\n", st.Size(), st.Sys().(*syscall.Stat_t).Blocks*512 >= st.Size())
	m, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		fmt.Println("mmap:", err)
		os.Exit(1)
	}
	fmt.Printf("big mapped: %x\n", sha256.Sum256(m))
	syscall.Munmap(m)

	// Change the middle, cut the file and grow it again: the cut part
	// reads as zeros, not as the disk's bytes.
	if _, err := f.WriteAt([]byte("changed in the guest"), 1<<20); err != nil {
		fmt.Println("write:", err)
	}
	f.Truncate(2 << 20)
	f.Truncate(3 << 20)
	after := make([]byte, 3<<20)
	n, _ := f.ReadAt(after, 0)
	fmt.Printf("big after write and truncate: %x (%d bytes)\n", sha256.Sum256(after[:n]), n)
	f.Close()

	disks, _ := filepath.Glob("/dev/vd*")
	fmt.Printf("disks: %v\n", disks)
	err = os.WriteFile("/vol/note", []byte("on the volume"), 0o644)
	fmt.Println("volume write:", err)
}
