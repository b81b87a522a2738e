// Command shareapp uses directories of the host shared with it (unigo run
// -v ./dir:/path), in the mode its first argument names:
//
//	work DIR      reads DIR/from-host.txt, then writes files and a tree,
//	              renames, deletes, truncates, links, maps, fsyncs and lists
//	readonly DIR  tries to write into DIR (mounted :ro) and reports the error
//	multi D...    writes D/hello.txt in each directory given and lists them
package main

import (
	"bytes"
	"errors"
	"fmt"
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
}

func main() {
	switch os.Args[1] {
	case "work":
		work(os.Args[2])
	case "readonly":
		dir := os.Args[2]
		data, err := os.ReadFile(filepath.Join(dir, "from-host.txt"))
		check("read", err)
		fmt.Printf("read %q\n", data)
		err = os.WriteFile(filepath.Join(dir, "nope.txt"), []byte("x"), 0o644)
		fmt.Printf("write: erofs=%v (%v)\n", errors.Is(err, syscall.EROFS), err)
		err = os.Mkdir(filepath.Join(dir, "nodir"), 0o755)
		fmt.Printf("mkdir: erofs=%v\n", errors.Is(err, syscall.EROFS))
		err = os.Remove(filepath.Join(dir, "from-host.txt"))
		fmt.Printf("remove: erofs=%v\n", errors.Is(err, syscall.EROFS))
	case "multi":
		for _, dir := range os.Args[2:] {
			check("write "+dir, os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello "+dir+"\n"), 0o644))
		}
		for _, dir := range os.Args[2:] {
			data, err := os.ReadFile(filepath.Join(dir, "hello.txt"))
			check("read "+dir, err)
			var st syscall.Statfs_t
			check("statfs", syscall.Statfs(dir, &st))
			fmt.Printf("%s: %q type=%#x\n", dir, data, st.Type)
		}
	}
}

func work(dir string) {
	p := func(name string) string { return filepath.Join(dir, name) }
	data, err := os.ReadFile(p("from-host.txt"))
	check("read from-host.txt", err)
	fmt.Printf("from host: %q\n", data)

	// Files and a tree.
	check("write out.txt", os.WriteFile(p("out.txt"), []byte("written by the guest\n"), 0o644))
	check("mkdir tree", os.MkdirAll(p("tree/a/b"), 0o755))
	check("write leaf", os.WriteFile(p("tree/a/b/leaf.txt"), []byte("leaf\n"), 0o600))
	// A file larger than one 9P message, written and read back.
	big := make([]byte, 300_000)
	for i := range big {
		big[i] = byte(i * 13)
	}
	check("write big", os.WriteFile(p("tree/big.bin"), big, 0o644))
	back, err := os.ReadFile(p("tree/big.bin"))
	check("read big", err)
	fmt.Printf("big intact: %v\n", bytes.Equal(back, big))

	// Rename, delete, truncate, links.
	check("write moveme", os.WriteFile(p("moveme.txt"), []byte("moved\n"), 0o644))
	check("rename", os.Rename(p("moveme.txt"), p("tree/moved.txt")))
	check("remove", os.Remove(p("delete-me.txt")))
	check("truncate", os.Truncate(p("truncate-me.txt"), 10))
	check("symlink", os.Symlink("tree/moved.txt", p("link")))
	target, err := os.Readlink(p("link"))
	check("readlink", err)
	viaLink, err := os.ReadFile(p("link"))
	check("read via link", err)
	fmt.Printf("link -> %s: %q\n", target, viaLink)
	check("hard link", os.Link(p("out.txt"), p("out-link.txt")))
	st, err := os.Stat(p("out.txt"))
	check("stat", err)
	fmt.Printf("out.txt size=%d nlink=%d mode=%v\n", st.Size(), st.Sys().(*syscall.Stat_t).Nlink, st.Mode())
	check("chmod", os.Chmod(p("out.txt"), 0o640))

	// fsync'ed appends through one descriptor.
	f, err := os.OpenFile(p("synced.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	check("open synced.log", err)
	for i := 0; i < 3; i++ {
		_, err := fmt.Fprintf(f, "line %d\n", i)
		check("append", err)
		check("fsync", f.Sync())
	}
	check("close", f.Close())

	// A shared mapping, written through and read back.
	check("write mapped", os.WriteFile(p("mapped.bin"), make([]byte, 8192), 0o644))
	mf, err := os.OpenFile(p("mapped.bin"), os.O_RDWR, 0)
	check("open mapped", err)
	m, err := syscall.Mmap(int(mf.Fd()), 0, 8192, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	check("mmap", err)
	copy(m[4096:], "through the mapping")
	check("msync", msync(m))
	check("munmap", syscall.Munmap(m))
	check("close mapped", mf.Close())

	// An unlinked file stays readable while open.
	check("write gone", os.WriteFile(p("gone.txt"), []byte("still here"), 0o644))
	g, err := os.Open(p("gone.txt"))
	check("open gone", err)
	check("unlink gone", os.Remove(p("gone.txt")))
	gone := make([]byte, 10)
	_, err = g.ReadAt(gone, 0)
	check("read unlinked", err)
	g.Close()
	fmt.Printf("unlinked but open: %q\n", gone)

	// A working directory inside the share.
	check("chdir", os.Chdir(p("tree/a")))
	wd, err := os.Getwd()
	check("getwd", err)
	rel, err := os.ReadFile("b/leaf.txt")
	check("read relative", err)
	fmt.Printf("cwd %s: %q\n", wd, rel)
	check("chdir /", os.Chdir("/"))

	var sfs syscall.Statfs_t
	check("statfs", syscall.Statfs(dir, &sfs))
	fmt.Printf("statfs type=%#x\n", sfs.Type)

	// The tree, as the guest sees it.
	var names []string
	check("walk", filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		names = append(names, strings.TrimPrefix(path, dir))
		return nil
	}))
	sort.Strings(names)
	fmt.Printf("tree=%v\n", names)
	fmt.Println("done")
}
