package cpio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// Header is one entry of an archive as List reads it.
type Header struct {
	Name string
	Mode uint32 // type and permission bits
	Size int64
	Head []byte // the first bytes of the contents (up to 4): enough to tell an ELF file or a script
}

// List reads a newc archive and returns its entries, up to the trailer.
func List(r io.Reader) ([]Header, error) {
	var out []Header
	err := each(r, func(h Header, _ io.Reader) (bool, error) {
		out = append(out, h)
		return false, nil
	})
	return out, err
}

// ReadFile returns the contents of the first entry named name (no leading
// slash, as the archive names it; a symbolic link's contents are its
// target), or an error wrapping fs.ErrNotExist.
func ReadFile(r io.Reader, name string) ([]byte, error) {
	var data []byte
	found := false
	err := each(r, func(h Header, contents io.Reader) (bool, error) {
		if h.Name != name {
			return false, nil
		}
		found = true
		data = make([]byte, h.Size)
		_, err := io.ReadFull(contents, data)
		return true, err
	})
	if err == nil && !found {
		err = fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return data, err
}

// each calls fn with every entry of a newc archive up to the trailer, and
// a reader of its contents, until fn says stop.
func each(r io.Reader, fn func(h Header, contents io.Reader) (stop bool, err error)) error {
	br := bufio.NewReader(r)
	var off int64
	skip := func(n int64) error {
		_, err := io.CopyN(io.Discard, br, n)
		off += n
		return err
	}
	for {
		hdr := make([]byte, 110)
		if _, err := io.ReadFull(br, hdr); err != nil {
			return fmt.Errorf("cpio header at %d: %w", off, err)
		}
		if string(hdr[:6]) != "070701" {
			return fmt.Errorf("cpio header at %d: bad magic %q", off, hdr[:6])
		}
		off += 110
		field := func(i int) (uint64, error) {
			return strconv.ParseUint(string(hdr[6+8*i:14+8*i]), 16, 32)
		}
		mode, err1 := field(1)
		size, err2 := field(6)
		namesize, err3 := field(11)
		if err := errors.Join(err1, err2, err3); err != nil {
			return fmt.Errorf("cpio header at %d: %w", off-110, err)
		}
		name := make([]byte, namesize)
		if _, err := io.ReadFull(br, name); err != nil {
			return err
		}
		off += int64(namesize)
		if err := skip((4 - off%4) % 4); err != nil {
			return err
		}
		h := Header{Name: strings.TrimRight(string(name), "\x00"), Mode: uint32(mode), Size: int64(size)}
		if h.Name == "TRAILER!!!" {
			return nil
		}
		head, _ := br.Peek(int(min(size, 4)))
		h.Head = append([]byte(nil), head...)
		contents := &io.LimitedReader{R: br, N: int64(size)}
		stop, err := fn(h, contents)
		if err != nil || stop {
			return err
		}
		if err := skip(contents.N); err != nil { // what fn left unread
			return err
		}
		off += int64(size) - contents.N
		if err := skip((4 - off%4) % 4); err != nil {
			return err
		}
	}
}
