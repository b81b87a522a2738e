package memory

import "testing"

func (l *regionList) dump() []region { return append([]region(nil), l.r[:l.n]...) }

func anon(start, end uintptr, prot uint16) region { return region{start: start, end: end, prot: prot} }

func TestRegionsInsertMergeRemove(t *testing.T) {
	var l regionList
	l.insert(anon(0x1000, 0x3000, ProtRead))
	l.insert(anon(0x3000, 0x5000, ProtRead)) // merges
	l.insert(anon(0x8000, 0x9000, ProtRead|ProtWrite))
	if got := l.dump(); len(got) != 2 || got[0] != anon(0x1000, 0x5000, ProtRead) {
		t.Fatalf("after inserts: %+v", got)
	}
	l.remove(0x2000, 0x3000) // split
	got := l.dump()
	want := []region{anon(0x1000, 0x2000, ProtRead), anon(0x3000, 0x5000, ProtRead), anon(0x8000, 0x9000, ProtRead|ProtWrite)}
	if len(got) != len(want) {
		t.Fatalf("after split: %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after split: %+v, want %+v", got, want)
		}
	}
	if l.find(0x2500) != nil || l.find(0x3000) == nil || l.find(0x4fff) == nil || l.find(0x5000) != nil {
		t.Fatal("find disagrees with the list")
	}
	l.remove(0, 0x10000)
	if l.n != 0 {
		t.Fatalf("remove all left %+v", l.dump())
	}
}

// A file region keeps its file offsets through splits, trims and
// protection changes, and merges only with the file's next pages.
func TestRegionsFileOffsets(t *testing.T) {
	var l regionList
	f := region{start: 0x10000, end: 0x20000, ino: 7, off: 0x3000, prot: ProtRead, shared: true}
	l.insert(f)
	l.insert(anon(0x20000, 0x21000, ProtRead)) // anonymous: no merge
	l.insert(region{start: 0x21000, end: 0x22000, ino: 7, off: 0x9000, prot: ProtRead, shared: true})
	if l.n != 3 {
		t.Fatalf("file and anonymous regions merged: %+v", l.dump())
	}
	l.remove(0x12000, 0x13000)
	r := l.find(0x13000)
	if r == nil || r.off != 0x3000+0x3000 || r.fileOffset(0x14000) != 0x7000 {
		t.Fatalf("after a split the right part maps %+v", r)
	}
	if !l.protect(0x14000, 0x15000, ProtRead|ProtWrite) {
		t.Fatal("protect failed")
	}
	if r := l.find(0x14800); r == nil || r.prot != ProtRead|ProtWrite || r.off != 0x7000 || r.ino != 7 || !r.shared {
		t.Fatalf("protect lost the backing: %+v", r)
	}
	if !l.protect(0x14000, 0x15000, ProtRead) {
		t.Fatal("protect failed")
	}
	if r := l.find(0x13000); r == nil || r.start != 0x13000 || r.end != 0x20000 {
		t.Fatalf("restoring the protection did not merge the pieces again: %+v", l.dump())
	}
	l.remove(0x10000, 0x11000)
	if r := l.find(0x11000); r == nil || r.off != 0x4000 {
		t.Fatalf("trimming the front: %+v", r)
	}
}

func TestRegionsFreeRange(t *testing.T) {
	var l regionList
	l.insert(anon(0x10000, 0x20000, ProtRead))
	l.insert(anon(0x21000, 0x30000, ProtRead))
	if a := l.freeRange(0x10000, 0x1000); a != 0x20000 {
		t.Fatalf("gap of one page: got %#x", a)
	}
	if a := l.freeRange(0x10000, 0x2000); a != 0x30000 {
		t.Fatalf("two pages: got %#x", a)
	}
	if !l.overlaps(0x1f000, 0x21000) || l.overlaps(0x20000, 0x21000) {
		t.Fatal("overlaps wrong")
	}
}
