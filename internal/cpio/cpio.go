// Package cpio writes "newc" cpio archives, the format of the root file
// system inside a unigo image (and of Linux initramfs images).
package cpio

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// File modes carried by the format.
const (
	ModeDir     = 0o040000
	ModeRegular = 0o100000
	ModeSymlink = 0o120000
)

// Writer writes one archive.
type Writer struct {
	w   *bufio.Writer
	ino uint32
	n   int64
	err error
}

// NewWriter starts an archive on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriter(w)} }

func (c *Writer) write(b []byte) {
	if c.err == nil {
		var n int
		n, c.err = c.w.Write(b)
		c.n += int64(n)
	}
}

func (c *Writer) pad() {
	if r := c.n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

// Entry adds one entry: name is the path inside the archive ("a/b"), mode
// the type and permission bits, data the contents (a link's target).
func (c *Writer) Entry(name string, mode uint32, mtime int64, data []byte) {
	c.ino++
	nlink := 1
	if mode&0o170000 == ModeDir {
		nlink = 2
	}
	c.write([]byte(fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, mtime, len(data), 0, 0, 0, 0, len(name)+1, 0)))
	c.write([]byte(name))
	c.write([]byte{0})
	c.pad()
	c.write(data)
	c.pad()
}

// Close writes the trailer and flushes.
func (c *Writer) Close() error {
	c.Entry("TRAILER!!!", 0, 0, nil)
	if c.err == nil {
		c.err = c.w.Flush()
	}
	return c.err
}

// AddDir adds the tree at dir (on the host) under the archive path at,
// with its parents ("a/b" adds "a", "a/b", then the tree).
func (c *Writer) AddDir(dir, at string) error { return c.AddDirExcept(dir, at, nil) }

// AddDirExcept is AddDir leaving out the entries (and what is below them)
// whose archive names skip reports (nil: none).
func (c *Writer) AddDirExcept(dir, at string, skip func(name string) bool) error {
	at = path.Clean("/" + at)[1:]
	if at != "" {
		parts := ""
		for _, p := range splitPath(at) {
			parts = path.Join(parts, p)
			c.Entry(parts, ModeDir|0o755, 0, nil)
		}
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		name := path.Join(at, filepath.ToSlash(rel))
		if skip != nil && skip(name) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		perm := uint32(info.Mode().Perm())
		switch {
		case info.IsDir():
			c.Entry(name, ModeDir|perm, info.ModTime().Unix(), nil)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			c.Entry(name, ModeSymlink|0o777, info.ModTime().Unix(), []byte(target))
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			c.Entry(name, ModeRegular|perm, info.ModTime().Unix(), data)
		}
		return c.err
	})
}

func splitPath(p string) []string {
	var parts []string
	for p != "" {
		dir, file := path.Split(p)
		parts = append([]string{file}, parts...)
		p = path.Clean(dir)
		if p == "." || p == "/" {
			break
		}
	}
	return parts
}
