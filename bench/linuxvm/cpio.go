package linuxvm

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// CPIO file modes (the st_mode bits the newc format carries).
const (
	cpioRegular = 0o100000
	cpioDir     = 0o040000
)

// cpioWriter writes a "newc" (SVR4, no CRC) cpio archive: the format the
// Linux kernel unpacks as an initramfs.
type cpioWriter struct {
	w   *bufio.Writer
	ino uint32
	err error
}

func newCPIOWriter(w io.Writer) *cpioWriter { return &cpioWriter{w: bufio.NewWriter(w)} }

// header writes one entry header and its NUL-terminated, padded name.
func (c *cpioWriter) header(name string, mode, size uint32) {
	if c.err != nil {
		return
	}
	c.ino++
	nlink := uint32(1)
	if mode&0o170000 == cpioDir {
		nlink = 2
	}
	// magic, ino, mode, uid, gid, nlink, mtime, filesize,
	// devmajor, devminor, rdevmajor, rdevminor, namesize, check
	_, c.err = fmt.Fprintf(c.w, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name)+1, 0)
	if c.err != nil {
		return
	}
	c.write([]byte(name + "\x00"))
	c.pad(110 + len(name) + 1)
}

func (c *cpioWriter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

// pad writes zeros so that n bytes written become a multiple of 4.
func (c *cpioWriter) pad(n int) {
	if r := n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

// File adds a regular file with the given permission bits and contents.
func (c *cpioWriter) File(name string, perm uint32, data []byte) {
	c.header(name, cpioRegular|perm&0o7777, uint32(len(data)))
	c.write(data)
	c.pad(len(data))
}

// Close writes the trailer entry and flushes.
func (c *cpioWriter) Close() error {
	c.header("TRAILER!!!", 0, 0)
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// WriteInitramfs writes an uncompressed newc initramfs whose only entry is
// the program at initPath, stored as /init (mode 0755).
//
// Nothing else is added: the kernel's own built-in initramfs (Debian builds
// the default one) already provides /dev/console, which is all the kernel
// needs to give /init its standard input, output and error.
func WriteInitramfs(w io.Writer, initPath string) error {
	data, err := os.ReadFile(initPath)
	if err != nil {
		return err
	}
	if len(data) > 1<<32-1 {
		return fmt.Errorf("%s is too large for a cpio archive", initPath)
	}
	c := newCPIOWriter(w)
	c.File("init", 0o755, data)
	return c.Close()
}
