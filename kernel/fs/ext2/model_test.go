package ext2

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Random operations against a model of the tree, checked as they go, by
// e2fsck now and then, and at the end by debugfs dumping the whole tree.

type mfile struct{ data []byte } // shared by hard links

type mnode struct {
	ino  Ino
	dir  bool
	file *mfile
	kids map[string]*mnode
}

type model struct {
	t    *testing.T
	rng  *rand.Rand
	root *mnode
	now  int64
}

// dirs lists every directory with its path.
func (m *model) dirs() (paths []string, nodes []*mnode) {
	var walk func(p string, n *mnode)
	walk = func(p string, n *mnode) {
		paths, nodes = append(paths, p), append(nodes, n)
		for _, name := range sortedKeys(n.kids) {
			if k := n.kids[name]; k.dir {
				walk(p+"/"+name, k)
			}
		}
	}
	walk("", m.root)
	return
}

func sortedKeys(m map[string]*mnode) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pick returns a random entry of a random directory (name "" if empty).
func (m *model) pick() (*mnode, string, *mnode) {
	_, dirs := m.dirs()
	d := dirs[m.rng.Intn(len(dirs))]
	keys := sortedKeys(d.kids)
	if len(keys) == 0 {
		return d, "", nil
	}
	name := keys[m.rng.Intn(len(keys))]
	return d, name, d.kids[name]
}

func (m *model) randomDir() *mnode {
	_, dirs := m.dirs()
	return dirs[m.rng.Intn(len(dirs))]
}

func (m *model) newName() string {
	return fmt.Sprintf("n%d-%s", m.rng.Intn(1000), "xyzw"[:m.rng.Intn(4)])
}

// under reports whether n is a or inside it.
func under(a, n *mnode) bool {
	if a == n {
		return true
	}
	for _, k := range a.kids {
		if k.dir && under(k, n) {
			return true
		}
	}
	return false
}

func (m *model) step() {
	t := m.t
	m.now += 1e9
	switch op := m.rng.Intn(100); {
	case op < 15: // create
		d := m.randomDir()
		name := m.newName()
		ino, e := Create(d.ino, []byte(name), TypeRegular|0o644, m.now)
		if d.kids[name] != nil {
			if e != EEXIST {
				t.Fatalf("create over %s: errno %d", name, e)
			}
			return
		}
		must(t, e)
		d.kids[name] = &mnode{ino: ino, file: &mfile{}}
	case op < 35: // write
		_, _, n := m.pick()
		if n == nil || n.dir {
			return
		}
		size := m.rng.Intn(20000)
		off := int64(m.rng.Intn(len(n.file.data) + 5000))
		if m.rng.Intn(20) == 0 {
			off = int64(m.rng.Intn(3 << 20)) // a hole, maybe into the double indirect range
		}
		data := pattern(size, byte(m.rng.Intn(256)))
		writeAll(t, n.ino, data, off, 1+m.rng.Intn(9000))
		if end := int(off) + size; end > len(n.file.data) {
			n.file.data = append(n.file.data, make([]byte, end-len(n.file.data))...)
		}
		copy(n.file.data[off:], data)
	case op < 42: // truncate
		_, _, n := m.pick()
		if n == nil || n.dir {
			return
		}
		size := m.rng.Intn(len(n.file.data) + 10000)
		must(t, Truncate(n.ino, int64(size), m.now))
		if size < len(n.file.data) {
			n.file.data = n.file.data[:size]
		} else {
			n.file.data = append(n.file.data, make([]byte, size-len(n.file.data))...)
		}
	case op < 50: // unlink
		d, name, n := m.pick()
		if n == nil {
			return
		}
		e := Unlink(d.ino, []byte(name), m.now)
		if n.dir {
			if e != EISDIR {
				t.Fatalf("unlink of a directory: errno %d", e)
			}
			return
		}
		must(t, e)
		delete(d.kids, name)
	case op < 58: // mkdir
		d := m.randomDir()
		name := m.newName()
		ino, e := Mkdir(d.ino, []byte(name), 0o755, m.now)
		if d.kids[name] != nil {
			if e != EEXIST {
				t.Fatalf("mkdir over %s: errno %d", name, e)
			}
			return
		}
		must(t, e)
		d.kids[name] = &mnode{ino: ino, dir: true, kids: map[string]*mnode{}}
	case op < 63: // rmdir
		d, name, n := m.pick()
		if n == nil || !n.dir {
			return
		}
		e := Rmdir(d.ino, []byte(name), m.now)
		if len(n.kids) > 0 {
			if e != ENOTEMPTY {
				t.Fatalf("rmdir of a full directory: errno %d", e)
			}
			return
		}
		must(t, e)
		delete(d.kids, name)
	case op < 75: // rename
		od, oname, n := m.pick()
		if n == nil {
			return
		}
		nd := m.randomDir()
		nname := m.newName()
		if m.rng.Intn(3) == 0 && len(nd.kids) > 0 {
			nname = sortedKeys(nd.kids)[0] // over an existing entry
		}
		target := nd.kids[nname]
		want := 0
		switch {
		case n.dir && under(n, nd):
			want = EINVAL
		case target == n:
			want = 0
		case target != nil && n.dir && !target.dir:
			want = ENOTDIR
		case target != nil && !n.dir && target.dir:
			want = EISDIR
		case target != nil && target.dir && len(target.kids) > 0:
			want = ENOTEMPTY
		}
		if e := Rename(od.ino, []byte(oname), nd.ino, []byte(nname), false, m.now); e != want {
			t.Fatalf("rename %s → %s: errno %d, want %d", oname, nname, e, want)
		}
		noPins(t)
		if want == 0 && target != n {
			delete(od.kids, oname)
			nd.kids[nname] = n
		}
	case op < 80: // link
		_, _, n := m.pick()
		if n == nil || n.dir {
			return
		}
		d := m.randomDir()
		name := m.newName()
		e := Link(d.ino, []byte(name), n.ino, m.now)
		if d.kids[name] != nil {
			if e != EEXIST {
				t.Fatalf("link over %s: errno %d", name, e)
			}
			return
		}
		must(t, e)
		d.kids[name] = n
	case op < 98: // read back
		_, _, n := m.pick()
		if n == nil || n.dir {
			return
		}
		if got := readAll(t, n.ino); !bytes.Equal(got, n.file.data) {
			t.Fatalf("inode %d: %d bytes, want %d, first difference at %d", n.ino, len(got), len(n.file.data), firstDiff(got, n.file.data))
		}
	default:
		must(t, SyncAll())
	}
}

// checkListings compares every directory's ReadDir with the model.
func (m *model) checkListings() {
	paths, dirs := m.dirs()
	for i, d := range dirs {
		got := names(m.t, d.ino)
		if len(got) != len(d.kids)+2 {
			m.t.Fatalf("%s/ lists %d entries, want %d", paths[i], len(got), len(d.kids)+2)
		}
		for name, k := range d.kids {
			if got[name] != k.ino {
				m.t.Fatalf("%s/%s: inode %d, want %d", paths[i], name, got[name], k.ino)
			}
		}
	}
}

// compareDump compares a debugfs rdump of the image with the model.
func (m *model) compareDump(img string) {
	t := m.t
	out := t.TempDir()
	debugfs(t, img, "rdump / "+out)
	paths, dirs := m.dirs()
	for i, d := range dirs {
		for name, k := range d.kids {
			p := filepath.Join(out, paths[i], name)
			if k.dir {
				if st, err := os.Stat(p); err != nil || !st.IsDir() {
					t.Fatalf("%s: not a directory in the dump", p)
				}
				continue
			}
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, k.file.data) {
				t.Fatalf("%s in the dump: %d bytes, want %d (%v)", p, len(got), len(k.file.data), err)
			}
		}
		entries, _ := os.ReadDir(filepath.Join(out, paths[i]))
		if len(entries) != len(d.kids) {
			t.Fatalf("%s/ has %d entries in the dump, want %d", paths[i], len(entries), len(d.kids))
		}
	}
}

func TestRandomOperations(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, 64<<10, "")
			d, root := mount(t, img)
			m := &model{t: t, rng: rand.New(rand.NewSource(int64(bs))), now: 1_700_000_000e9,
				root: &mnode{ino: root, dir: true, kids: map[string]*mnode{}}}
			lf, _ := Lookup(root, []byte("lost+found"))
			m.root.kids["lost+found"] = &mnode{ino: lf, dir: true, kids: map[string]*mnode{}}
			for i := 0; i < 3000; i++ {
				m.step()
				if i%1000 == 999 {
					m.checkListings()
					must(t, SyncAll())
					fsckMounted(t, img)
				}
			}
			m.checkListings()
			d.unmount()
			fsck(t, img)
			m.compareDump(img)
		})
	}
}
