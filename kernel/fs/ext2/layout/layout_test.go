package layout

import (
	"testing"

	"unigo.dev/unigo/kernel/fs/memfs"
)

// The modes package ext2 hands FileType are memfs's: the on-disk types
// must be the same numbers.
func TestTypesAreMemfs(t *testing.T) {
	for _, c := range [][2]uint32{{TypeMask, memfs.TypeMask}, {TypeDir, memfs.TypeDir}, {TypeRegular, memfs.TypeRegular},
		{TypeSymlink, memfs.TypeSymlink}, {TypeFIFO, memfs.TypeFIFO}, {TypeChar, memfs.TypeChar}, {TypeSocket, memfs.TypeSocket}} {
		if c[0] != c[1] {
			t.Errorf("type %#o, memfs %#o", c[0], c[1])
		}
	}
}

// A record written reads back as written, and its type code maps to the
// d_type of its file's type.
func TestRecordRoundTrip(t *testing.T) {
	b := make([]byte, 1024)
	WriteRecord(b, 12, 42, 1024-12, []byte("name"), FileType(TypeDir|0o755), true)
	r, ok := ReadRecord(b, 12, true)
	if !ok || r.Ino != 42 || r.Length != 1024-12 || string(r.Name) != "name" || DirentType(r.FType) != 4 || r.Used() != RecLen(4) {
		t.Fatalf("read back %+v, %v", r, ok)
	}
	if r, _ := ReadRecord(b, 12, false); r.FType != 0 {
		t.Fatalf("without the filetype feature, type %d", r.FType)
	}
	if _, ok := ReadRecord(b, 14, true); ok {
		t.Fatal("a record at an unaligned offset read")
	}
	SetIno(b, 12, 0)
	if r, _ := ReadRecord(b, 12, true); r.Used() != 0 {
		t.Fatalf("a deleted record uses %d bytes", r.Used())
	}
}
