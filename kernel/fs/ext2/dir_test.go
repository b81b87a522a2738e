package ext2

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestDirectories(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 8<<10, "")
			d, root := mount(t, img)
			rootLinks := func() uint32 { a, _ := Stat(root); return a.Nlink }
			links0 := rootLinks()
			sub, e := Mkdir(root, []byte("sub"), 0o750, 1)
			must(t, e)
			if rootLinks() != links0+1 {
				t.Fatal("mkdir must add a link to the parent")
			}
			if a, _ := Stat(sub); a.Nlink != 2 || a.Mode != TypeDir|0o750 || a.Size != int64(bs) {
				t.Fatalf("new directory: %+v", a)
			}
			// Enough entries to need many directory blocks.
			const count = 600
			name := func(i int) []byte { return []byte(fmt.Sprintf("file-with-a-rather-long-name-%04d", i)) }
			for i := 0; i < count; i++ {
				_, e := Create(sub, name(i), TypeRegular|0o644, 2)
				must(t, e)
			}
			if a, _ := Stat(sub); a.Size < int64(count*44/bs)*int64(bs) {
				t.Fatalf("directory of %d entries is only %d bytes", count, a.Size)
			}
			if _, e := Create(sub, name(7), TypeRegular, 2); e != EEXIST {
				t.Fatalf("duplicate name: errno %d", e)
			}
			if _, e := Mkdir(sub, name(8), 0o755, 2); e != EEXIST {
				t.Fatalf("mkdir over a file: errno %d", e)
			}
			if _, e := Create(sub, bytes.Repeat([]byte("n"), 256), TypeRegular, 2); e != ENAMETOOLONG {
				t.Fatalf("long name: errno %d", e)
			}
			longest := bytes.Repeat([]byte("m"), 255)
			_, e = Create(sub, longest, TypeRegular, 2)
			must(t, e)
			if len(names(t, sub)) != count+3 {
				t.Fatalf("%d entries", len(names(t, sub)))
			}
			// Resume listing from every cookie ReadDir hands out, as
			// getdents does with a small buffer.
			seen := map[string]bool{}
			for off := int64(0); ; {
				got := false
				ReadDir(sub, off, func(_ Ino, _ uint8, name []byte, next int64) bool {
					if seen[string(name)] {
						t.Fatalf("%q seen twice", name)
					}
					seen[string(name)] = true
					off, got = next, true
					return false
				})
				if !got {
					break
				}
			}
			if len(seen) != count+3 {
				t.Fatalf("resumed listing saw %d", len(seen))
			}
			must(t, SyncAll())
			fsckMounted(t, img)
			if e := Rmdir(root, []byte("sub"), 3); e != ENOTEMPTY {
				t.Fatalf("rmdir of a full directory: errno %d", e)
			}
			// A cookie stays usable while entries are removed under it.
			var mid int64
			n := 0
			ReadDir(sub, 0, func(_ Ino, _ uint8, _ []byte, next int64) bool { n++; mid = next; return n < 100 })
			for i := 0; i < count; i += 2 {
				must(t, Unlink(sub, name(i), 4))
			}
			rest := 0
			must(t, ReadDir(sub, mid, func(_ Ino, _ uint8, name []byte, _ int64) bool {
				if !strings.HasPrefix(string(name), "file-") && string(name) != string(longest) {
					t.Fatalf("resumed after removals: %q", name)
				}
				rest++
				return true
			}))
			if rest == 0 || rest > count/2+1 {
				t.Fatalf("resumed after removals: %d entries", rest)
			}
			must(t, SyncAll())
			fsckMounted(t, img)
			for i := 1; i < count; i += 2 {
				must(t, Unlink(sub, name(i), 4))
			}
			must(t, Unlink(sub, longest, 4))
			if got := names(t, sub); len(got) != 2 || got["."] != sub || got[".."] != root {
				t.Fatalf("emptied directory lists %v", got)
			}
			// Freed records are reused: the directory does not grow.
			size := func() int64 { a, _ := Stat(sub); return a.Size }
			before := size()
			for i := 0; i < count; i++ {
				_, e := Create(sub, []byte(fmt.Sprintf("again-%04d", i)), TypeRegular|0o644, 5)
				must(t, e)
			}
			if size() > before {
				t.Fatalf("directory grew from %d to %d instead of reusing space", before, size())
			}
			for i := 0; i < count; i++ {
				must(t, Unlink(sub, []byte(fmt.Sprintf("again-%04d", i)), 6))
			}
			// Nested directories and rmdir.
			a, e := Mkdir(sub, []byte("a"), 0o755, 7)
			must(t, e)
			_, e = Mkdir(a, []byte("b"), 0o755, 7)
			must(t, e)
			if e := Rmdir(sub, []byte("a"), 8); e != ENOTEMPTY {
				t.Fatalf("rmdir a: errno %d", e)
			}
			if e := Unlink(sub, []byte("a"), 8); e != EISDIR {
				t.Fatalf("unlink of a directory: errno %d", e)
			}
			f, _ := Create(a, []byte("f"), TypeRegular|0o644, 8)
			if e := Rmdir(a, []byte("f"), 8); e != ENOTDIR {
				t.Fatalf("rmdir of a file: errno %d", e)
			}
			if _, e := Create(f, []byte("x"), TypeRegular, 8); e != ENOTDIR {
				t.Fatalf("create in a file: errno %d", e)
			}
			if e := Rmdir(a, []byte("."), 8); e != EINVAL {
				t.Fatalf("rmdir .: errno %d", e)
			}
			must(t, Rmdir(a, []byte("b"), 9))
			must(t, Unlink(a, []byte("f"), 9))
			must(t, Rmdir(sub, []byte("a"), 9))
			must(t, Rmdir(root, []byte("sub"), 10))
			if rootLinks() != links0 {
				t.Fatalf("root nlink %d, want %d", rootLinks(), links0)
			}
			if _, e := Stat(sub); e != ENOENT {
				t.Fatalf("removed directory: errno %d", e)
			}
			// Leave something for e2fsck and debugfs to look at.
			keep, _ := Mkdir(root, []byte("keep"), 0o755, 11)
			for i := 0; i < 100; i++ {
				ino, e := Create(keep, name(i), TypeRegular|0o644, 11)
				must(t, e)
				writeAll(t, ino, name(i), 0, 100)
			}
			d.unmount()
			fsck(t, img)
			out := debugfs(t, img, "ls /keep")
			for i := 0; i < 100; i++ {
				if !bytes.Contains(out, name(i)) {
					t.Fatalf("debugfs ls /keep lacks %s", name(i))
				}
			}
			checkCat(t, img, "/keep/"+string(name(42)), name(42))
		})
	}
}

func TestRenameAndLinks(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 8<<10, "")
			d, root := mount(t, img)
			a, _ := Mkdir(root, []byte("a"), 0o755, 1)
			b, _ := Mkdir(root, []byte("b"), 0o755, 1)
			f, _ := Create(a, []byte("f"), TypeRegular|0o644, 1)
			writeAll(t, f, []byte("contents of f"), 0, 100)
			must(t, Link(b, []byte("g"), f, 2))
			if st, _ := Stat(f); st.Nlink != 2 {
				t.Fatalf("nlink %d", st.Nlink)
			}
			if e := Link(root, []byte("a2"), a, 2); e != EPERM {
				t.Fatalf("hard link to a directory: errno %d", e)
			}
			if e := Link(b, []byte("g"), f, 2); e != EEXIST {
				t.Fatalf("link over a name: errno %d", e)
			}
			must(t, Rename(a, []byte("f"), b, []byte("h"), false, 3))
			if _, e := Lookup(a, []byte("f")); e != ENOENT {
				t.Fatal("old name still there")
			}
			if ino, _ := Lookup(b, []byte("h")); ino != f {
				t.Fatal("new name missing")
			}
			// Renaming onto another link of the same file does nothing.
			must(t, Rename(b, []byte("h"), b, []byte("g"), false, 4))
			if st, _ := Stat(f); st.Nlink != 2 {
				t.Fatalf("nlink after rename over a link to itself: %d", st.Nlink)
			}
			// Replacing another file drops (and frees) the replaced one.
			other, _ := Create(b, []byte("o"), TypeRegular|0o644, 4)
			writeAll(t, other, pattern(20000, 1), 0, 20000)
			free := fs.freeBlocks
			must(t, Rename(b, []byte("h"), b, []byte("o"), false, 4))
			if _, e := Stat(other); e != ENOENT {
				t.Fatalf("replaced file still exists: errno %d", e)
			}
			if fs.freeBlocks <= free {
				t.Fatal("the replaced file's blocks were not freed")
			}
			if e := Rename(root, []byte("a"), a, []byte("x"), false, 5); e != EINVAL {
				t.Fatalf("moving a directory into itself: errno %d", e)
			}
			deep, _ := Mkdir(a, []byte("deep"), 0o755, 5)
			if e := Rename(root, []byte("a"), deep, []byte("x"), false, 5); e != EINVAL {
				t.Fatalf("moving a directory under itself: errno %d", e)
			}
			// A directory to another parent: ".." and the link counts follow.
			must(t, Rename(root, []byte("a"), b, []byte("a2"), false, 5))
			if p, _ := Lookup(a, []byte("..")); p != b {
				t.Fatal(".. not updated")
			}
			if st, _ := Stat(b); st.Nlink != 3 {
				t.Fatalf("new parent nlink %d", st.Nlink)
			}
			if st, _ := Stat(root); st.Nlink != 4 { // ., .., lost+found, b
				t.Fatalf("old parent nlink %d", st.Nlink)
			}
			must(t, Rename(root, []byte("b"), root, []byte("b2"), false, 6))
			x, _ := Create(root, []byte("x"), TypeRegular, 7)
			writeAll(t, x, []byte("x marks"), 0, 100)
			if e := Rename(root, []byte("x"), root, []byte("b2"), false, 8); e != EISDIR {
				t.Fatalf("file over directory: errno %d", e)
			}
			if e := Rename(root, []byte("b2"), root, []byte("x"), false, 8); e != ENOTDIR {
				t.Fatalf("directory over file: errno %d", e)
			}
			if e := Rename(root, []byte("x"), b, []byte("g"), true, 8); e != EEXIST {
				t.Fatalf("RENAME_NOREPLACE: errno %d", e)
			}
			if e := Rename(root, []byte("."), b, []byte("dot"), false, 8); e != EBUSY {
				t.Fatalf("renaming .: errno %d", e)
			}
			// A file over a file in another directory.
			must(t, Rename(root, []byte("x"), b, []byte("g"), false, 9))
			if st, _ := Stat(f); st.Nlink != 1 {
				t.Fatalf("f nlink %d after one of its names was replaced", st.Nlink)
			}
			// An empty directory over an empty directory, across parents.
			e1, _ := Mkdir(root, []byte("e1"), 0o755, 10)
			_, _ = Mkdir(a, []byte("e2"), 0o755, 10)
			if e := Rename(root, []byte("e1"), a, []byte("deep"), false, 10); e != 0 {
				t.Fatalf("directory over empty directory: errno %d", e)
			}
			if p := Parent(e1); p != a {
				t.Fatalf("parent %d, want %d", p, a)
			}
			if e := Rename(a, []byte("deep"), a, []byte("e2"), false, 11); e != 0 {
				t.Fatalf("same-directory directory replace: errno %d", e)
			}
			// Cookie-free check of names and counts by e2fsck.
			must(t, SyncAll())
			fsckMounted(t, img)
			d.unmount()
			fsck(t, img)
			checkCat(t, img, "/b2/g", []byte("x marks"))
			checkCat(t, img, "/b2/o", []byte("contents of f"))
			checkCat(t, img, "/b2/a2/e2/../../o", []byte("contents of f"))
		})
	}
}

// A file unlinked while open lives until its last Close; at Unmount too.
func TestUnlinkWhileOpen(t *testing.T) {
	img := mkfs(t, 1024, 4<<10, "")
	d, root := mount(t, img)
	free := fs.freeBlocks
	ino, _ := Create(root, []byte("tmp"), TypeRegular|0o600, 1)
	data := pattern(100_000, 5)
	writeAll(t, ino, data, 0, 8192)
	Open(ino)
	Open(ino)
	must(t, Unlink(root, []byte("tmp"), 2))
	if _, e := Lookup(root, []byte("tmp")); e != ENOENT {
		t.Fatal("name still there")
	}
	if got := readAll(t, ino); !bytes.Equal(got, data) {
		t.Fatal("read after unlink differs")
	}
	if a, e := Stat(ino); e != 0 || a.Nlink != 0 {
		t.Fatalf("stat after unlink: %+v errno %d", a, e)
	}
	writeAll(t, ino, []byte("more"), 200_000, 4)
	Close(ino)
	if _, e := Stat(ino); e != 0 {
		t.Fatal("freed while still open once")
	}
	Close(ino)
	if _, e := Stat(ino); e != ENOENT {
		t.Fatalf("still there after the last close: errno %d", e)
	}
	if fs.freeBlocks != free {
		t.Fatalf("free blocks %d, want %d", fs.freeBlocks, free)
	}
	// Still open at unmount: freed then.
	ino2, _ := Create(root, []byte("tmp2"), TypeRegular|0o600, 3)
	writeAll(t, ino2, data, 0, 8192)
	Open(ino2)
	must(t, Unlink(root, []byte("tmp2"), 4))
	d.unmount()
	fsck(t, img)
	// An open directory removed: gone at Close.
	d, root = mount(t, img)
	dir, _ := Mkdir(root, []byte("d"), 0o755, 5)
	Open(dir)
	must(t, Rmdir(root, []byte("d"), 6))
	if _, e := Create(dir, []byte("x"), TypeRegular, 7); e != ENOENT {
		t.Fatalf("create in a removed directory: errno %d", e)
	}
	Close(dir)
	if _, e := Stat(dir); e != ENOENT {
		t.Fatal("removed directory still there")
	}
	d.unmount()
	fsck(t, img)
}
