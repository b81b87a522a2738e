package ext2

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// populate makes a source tree for mke2fs -d and returns what it holds:
// path → contents (directories map to nil, symlinks to "->target").
func populate(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	src := t.TempDir()
	want := map[string][]byte{}
	file := func(p string, data []byte) {
		if err := os.WriteFile(filepath.Join(src, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[p] = append([]byte{}, data...) // never nil: nil is a directory
	}
	dir := func(p string) {
		if err := os.Mkdir(filepath.Join(src, p), 0o755); err != nil {
			t.Fatal(err)
		}
		want[p] = nil
	}
	link := func(p, target string) {
		if err := os.Symlink(target, filepath.Join(src, p)); err != nil {
			t.Fatal(err)
		}
		want[p] = []byte("->" + target)
	}
	file("hello.txt", []byte("hello, ext2\n"))
	file("empty", nil)
	dir("sub")
	dir("sub/deeper")
	file("sub/deeper/small", []byte("x"))
	file("sub/medium", pattern(50_000, 1))   // single indirect with 1 KiB blocks
	file("sub/big", pattern(1_500_000, 2))   // double indirect with 1 KiB blocks
	file("sub/big4k", pattern(4_400_000, 3)) // double indirect with 4 KiB blocks
	link("short-link", "hello.txt")
	long := strings.Repeat("long/", 30) + "target"
	link("long-link", long)
	dir("many")
	for i := 0; i < 200; i++ {
		file(fmt.Sprintf("many/entry-with-a-longish-name-%03d", i), []byte(fmt.Sprint(i)))
	}
	if err := syscall.Mkfifo(filepath.Join(src, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	return src, want
}

func TestReadPrepopulated(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			src, want := populate(t)
			img := mkfs(t, bs, 16<<10, src)
			d, root := mount(t, img)
			if root != RootIno {
				t.Fatalf("root %d", root)
			}
			for p, data := range want {
				ino := walk(t, p)
				a, e := Stat(ino)
				must(t, e)
				switch {
				case data == nil:
					if a.Mode&TypeMask != TypeDir {
						t.Fatalf("%s: mode %o, want a directory", p, a.Mode)
					}
					if _, e := ReadAt(ino, make([]byte, 10), 0); e != EISDIR {
						t.Fatalf("%s: reading a directory: errno %d", p, e)
					}
				case bytes.HasPrefix(data, []byte("->")):
					if a.Mode&TypeMask != TypeSymlink {
						t.Fatalf("%s: mode %o, want a symlink", p, a.Mode)
					}
					if got := readAll(t, ino); !bytes.Equal(got, data[2:]) {
						t.Fatalf("%s: target %q, want %q", p, got, data[2:])
					}
				default:
					if a.Mode&TypeMask != TypeRegular || a.Mode&0o777 != 0o644 || a.Nlink != 1 {
						t.Fatalf("%s: mode %o nlink %d", p, a.Mode, a.Nlink)
					}
					if got := readAll(t, ino); !bytes.Equal(got, data) {
						t.Fatalf("%s: %d bytes read, want %d (first difference at %d)", p, len(got), len(data), firstDiff(got, data))
					}
					// A read in the middle, crossing blocks.
					if len(data) > 3*bs {
						buf := make([]byte, 2*bs+7)
						n, e := ReadAt(ino, buf, int64(bs-3))
						must(t, e)
						if n != len(buf) || !bytes.Equal(buf, data[bs-3:bs-3+len(buf)]) {
							t.Fatalf("%s: read in the middle differs", p)
						}
					}
				}
			}
			// Directory listings match, with the right d_type.
			got := names(t, walk(t, "many"))
			if len(got) != 202 {
				t.Fatalf("many/ lists %d entries, want 200 + . + ..", len(got))
			}
			types := map[string]uint8{}
			ReadDir(root, 0, func(_ Ino, typ uint8, name []byte, _ int64) bool {
				types[string(name)] = typ
				return true
			})
			for name, typ := range map[string]uint8{".": 4, "..": 4, "hello.txt": 8, "sub": 4, "short-link": 10, "fifo": 1, "lost+found": 4} {
				if types[name] != typ {
					t.Errorf("d_type of %s: %d, want %d", name, types[name], typ)
				}
			}
			fifo, _ := Lookup(root, []byte("fifo"))
			if a, _ := Stat(fifo); a.Mode&TypeMask != TypeFIFO {
				t.Errorf("fifo mode %o", a.Mode)
			}
			if p := Parent(walk(t, "sub/deeper")); p != walk(t, "sub") {
				t.Errorf("parent of sub/deeper: %d", p)
			}
			var name [MaxName]byte
			n, ok := NameOf(walk(t, "sub"), walk(t, "sub/deeper"), name[:])
			if !ok || string(name[:n]) != "deeper" {
				t.Errorf("NameOf: %q %v", name[:n], ok)
			}
			if _, e := Lookup(root, []byte("missing")); e != ENOENT {
				t.Errorf("missing name: errno %d", e)
			}
			if _, e := Lookup(walk(t, "hello.txt"), []byte("x")); e != ENOTDIR {
				t.Errorf("lookup in a file: errno %d", e)
			}
			noPins(t)
			d.unmount()
			fsck(t, img)
		})
	}
}

// Reading only: a read-only mount writes nothing at all.
func TestReadOnlyMountWritesNothing(t *testing.T) {
	src, _ := populate(t)
	img := mkfs(t, 1024, 8<<10, src)
	before, _ := os.ReadFile(img)
	d := attach(t, img)
	root, e := Mount(0, true, 1)
	must(t, e)
	if !ReadOnly() {
		t.Fatal("not read-only")
	}
	readAll(t, walk(t, "sub/big"))
	if _, e := Create(root, []byte("new"), TypeRegular|0o644, 2); e != EROFS {
		t.Fatalf("create on a read-only mount: errno %d", e)
	}
	if _, e := WriteAt(walk(t, "hello.txt"), []byte("x"), 0, 2); e != EROFS {
		t.Fatalf("write on a read-only mount: errno %d", e)
	}
	must(t, Unmount(3))
	for _, op := range d.log {
		if op.write {
			t.Fatal("a read-only mount wrote to the disk")
		}
	}
	after, _ := os.ReadFile(img)
	if !bytes.Equal(before, after) {
		t.Fatal("the image changed")
	}
}
