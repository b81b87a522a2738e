package cpio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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
	br := bufio.NewReader(r)
	var out []Header
	var off int64
	skip := func(n int64) error {
		_, err := io.CopyN(io.Discard, br, n)
		off += n
		return err
	}
	for {
		hdr := make([]byte, 110)
		if _, err := io.ReadFull(br, hdr); err != nil {
			return nil, fmt.Errorf("cpio header at %d: %w", off, err)
		}
		if string(hdr[:6]) != "070701" {
			return nil, fmt.Errorf("cpio header at %d: bad magic %q", off, hdr[:6])
		}
		off += 110
		field := func(i int) (uint64, error) {
			return strconv.ParseUint(string(hdr[6+8*i:14+8*i]), 16, 32)
		}
		mode, err1 := field(1)
		size, err2 := field(6)
		namesize, err3 := field(11)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("cpio header at %d: %w", off-110, err)
		}
		name := make([]byte, namesize)
		if _, err := io.ReadFull(br, name); err != nil {
			return nil, err
		}
		off += int64(namesize)
		if err := skip((4 - off%4) % 4); err != nil {
			return nil, err
		}
		h := Header{Name: strings.TrimRight(string(name), "\x00"), Mode: uint32(mode), Size: int64(size)}
		if h.Name == "TRAILER!!!" {
			return out, nil
		}
		head, _ := br.Peek(int(min(size, 4)))
		h.Head = append([]byte(nil), head...)
		out = append(out, h)
		if err := skip(int64(size)); err != nil {
			return nil, err
		}
		if err := skip((4 - off%4) % 4); err != nil {
			return nil, err
		}
	}
}
