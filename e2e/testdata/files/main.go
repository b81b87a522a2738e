// Command files exercises the file system the way ordinary programs do:
// temporary files, directories, renames, links, listing, and the read-only
// root. It prints one line per check and "all file checks passed" at the end.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

func check(what string, err error) {
	if err != nil {
		fmt.Printf("FAIL %s: %v\n", what, err)
		os.Exit(1)
	}
	fmt.Println("ok", what)
}

func main() {
	dir, err := os.MkdirTemp("", "files-")
	check("MkdirTemp", err)

	big := bytes.Repeat([]byte("unigo "), 200000) // 1.2 MB: indirect pages
	p := filepath.Join(dir, "data.bin")
	check("WriteFile", os.WriteFile(p, big, 0o644))
	got, err := os.ReadFile(p)
	if err == nil && !bytes.Equal(got, big) {
		err = fmt.Errorf("read %d bytes, different", len(got))
	}
	check("ReadFile", err)

	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	check("open append", err)
	f.WriteString("tail")
	f.Close()
	st, err := os.Stat(p)
	if err == nil && st.Size() != int64(len(big))+4 {
		err = fmt.Errorf("size %d", st.Size())
	}
	check("append and stat", err)

	check("MkdirAll", os.MkdirAll(filepath.Join(dir, "a", "b", "c"), 0o755))
	for _, n := range []string{"z", "y", "x"} {
		check("create "+n, os.WriteFile(filepath.Join(dir, "a", n), []byte(n), 0o600))
	}
	check("Rename", os.Rename(filepath.Join(dir, "a", "z"), filepath.Join(dir, "a", "b", "moved")))
	check("Symlink", os.Symlink("b/moved", filepath.Join(dir, "a", "link")))
	target, err := os.ReadFile(filepath.Join(dir, "a", "link"))
	if err == nil && string(target) != "z" {
		err = fmt.Errorf("through the link: %q", target)
	}
	check("read through symlink", err)
	check("Link", os.Link(filepath.Join(dir, "a", "y"), filepath.Join(dir, "a", "y2")))

	var names []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		names = append(names, rel)
		return nil
	})
	sort.Strings(names)
	want := ". a a/b a/b/c a/b/moved a/link a/x a/y a/y2 data.bin"
	if err == nil && strings.Join(names, " ") != want {
		err = fmt.Errorf("walked %q", strings.Join(names, " "))
	}
	check("WalkDir", err)

	err = os.Remove(filepath.Join(dir, "a"))
	if !errors.Is(err, syscall.ENOTEMPTY) {
		err = fmt.Errorf("removing a full directory: %v", err)
	} else {
		err = nil
	}
	check("ENOTEMPTY", err)
	_, err = os.Open(filepath.Join(dir, "nope"))
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	check("ENOENT", err)
	err = os.WriteFile("/not-here", []byte("x"), 0o644)
	if errors.Is(err, syscall.EROFS) {
		err = nil
	}
	check("EROFS outside /tmp", err)

	check("Chdir", os.Chdir(filepath.Join(dir, "a", "b")))
	wd, err := os.Getwd()
	if err == nil && wd != filepath.Join(dir, "a", "b") {
		err = fmt.Errorf("getwd %q", wd)
	}
	check("Getwd", err)
	rel, err := os.ReadFile("moved")
	if err == nil && string(rel) != "z" {
		err = fmt.Errorf("%q", rel)
	}
	check("relative open", err)

	tmp, err := os.CreateTemp("", "unlinked")
	check("CreateTemp", err)
	tmp.WriteString("still readable")
	os.Remove(tmp.Name())
	tmp.Seek(0, io.SeekStart)
	b, err := io.ReadAll(tmp)
	if err == nil && string(b) != "still readable" {
		err = fmt.Errorf("%q", b)
	}
	check("unlinked open file", err)

	r, err := os.Open("/dev/urandom")
	check("open /dev/urandom", err)
	rnd := make([]byte, 16)
	_, err = io.ReadFull(r, rnd)
	check("read /dev/urandom", err)
	maps, err := os.ReadFile("/proc/self/maps")
	if err == nil && !strings.Contains(string(maps), " rw-p 00000000 00:00 0\n") {
		err = fmt.Errorf("no writable mapping listed in %q", maps)
	}
	check("/proc/self/maps", err)

	fifo := filepath.Join(dir, "fifo")
	check("Mkfifo", syscall.Mkfifo(fifo, 0o600))
	fromFifo := make(chan string)
	go func() {
		b, err := os.ReadFile(fifo) // waits in open for the writer
		if err != nil {
			b = []byte(err.Error())
		}
		fromFifo <- string(b)
	}()
	check("FIFO write", os.WriteFile(fifo, []byte("through the fifo"), 0))
	if s := <-fromFifo; s != "through the fifo" {
		err = fmt.Errorf("read %q", s)
	}
	check("FIFO read", err)
	fi, err := os.Stat(fifo)
	if err == nil && fi.Mode()&fs.ModeNamedPipe == 0 {
		err = fmt.Errorf("mode %v", fi.Mode())
	}
	check("FIFO stat", err)

	check("RemoveAll", os.RemoveAll(dir))
	exe, err := os.Executable()
	fmt.Println("executable", exe, err)
	fmt.Println("all file checks passed")
}
