package memory

import "testing"

func (l *regionList) dump() []region { return append([]region(nil), l.r[:l.n]...) }

func TestRegionsInsertMergeRemove(t *testing.T) {
	var l regionList
	l.insert(0x1000, 0x3000, ProtRead)
	l.insert(0x3000, 0x5000, ProtRead) // merges
	l.insert(0x8000, 0x9000, ProtRead|ProtWrite)
	if got := l.dump(); len(got) != 2 || got[0] != (region{0x1000, 0x5000, ProtRead}) {
		t.Fatalf("after inserts: %+v", got)
	}
	l.remove(0x2000, 0x3000) // split
	got := l.dump()
	want := []region{{0x1000, 0x2000, ProtRead}, {0x3000, 0x5000, ProtRead}, {0x8000, 0x9000, ProtRead | ProtWrite}}
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

func TestRegionsFreeRange(t *testing.T) {
	var l regionList
	l.insert(0x10000, 0x20000, ProtRead)
	l.insert(0x21000, 0x30000, ProtRead)
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
