package layout

// A directory is a list of records in its blocks: inode (4 bytes), record
// length (2), name length (1), file type (1, with the filetype feature),
// the name, padded to 4 bytes. Records never cross a block; the last one
// of a block reaches its end.

// Record fields, at a record's offset.
const (
	recIno     Field32 = 0
	recLength  Field16 = 4
	recNameLen         = 6
	recType            = 7
)

// RecHeader is the size of a record without its name.
const RecHeader = 8

// RecLen is the size of a record for a name of nameLen bytes.
func RecLen(nameLen int) int { return (RecHeader + nameLen + 3) &^ 3 }

// Record is one decoded directory record; Name points into the block.
type Record struct {
	Ino    uint32
	Length int
	Name   []byte
	FType  uint8
}

// Used is how much of the record its entry needs (none when deleted).
func (r Record) Used() int {
	if r.Ino == 0 {
		return 0
	}
	return RecLen(len(r.Name))
}

// ReadRecord decodes the record at at in block b, checking that it stays
// in the block. filetype says whether records carry their file's type.
func ReadRecord(b []byte, at int, filetype bool) (Record, bool) {
	if at < 0 || at&3 != 0 || at+RecHeader > len(b) {
		return Record{}, false
	}
	length := int(recLength.Get(b[at:]))
	nl := int(b[at+recNameLen])
	if length < RecHeader || length&3 != 0 || at+length > len(b) || RecHeader+nl > length {
		return Record{}, false
	}
	r := Record{Ino: recIno.Get(b[at:]), Length: length, Name: b[at+RecHeader : at+RecHeader+nl]}
	if filetype {
		r.FType = b[at+recType]
	}
	return r, true
}

// WriteRecord stores a record at at in block b.
func WriteRecord(b []byte, at int, ino uint32, length int, name []byte, ftype uint8, filetype bool) {
	recIno.Put(b[at:], ino)
	recLength.Put(b[at:], uint16(length))
	b[at+recNameLen] = uint8(len(name))
	b[at+recType] = 0
	if filetype {
		b[at+recType] = ftype
	}
	copy(b[at+RecHeader:], name)
}

// SetLength changes the length of the record at at.
func SetLength(b []byte, at, length int) { recLength.Put(b[at:], uint16(length)) }

// SetIno points the record at at to another inode (0: deleted).
func SetIno(b []byte, at int, ino uint32) { recIno.Put(b[at:], ino) }

// SetType changes the file type of the record at at (with the filetype
// feature).
func SetType(b []byte, at int, ftype uint8) { b[at+recType] = ftype }

// FileType is the directory record's type code for a mode (0: none).
func FileType(mode uint32) uint8 {
	switch mode & TypeMask {
	case TypeRegular:
		return 1
	case TypeDir:
		return 2
	case TypeChar:
		return 3
	case TypeBlock:
		return 4
	case TypeFIFO:
		return 5
	case TypeSocket:
		return 6
	case TypeSymlink:
		return 7
	}
	return 0
}

// direntTypes maps record type codes to getdents64's d_type.
var direntTypes = [8]uint8{0, 8, 4, 2, 6, 1, 12, 10}

// DirentType is getdents64's d_type for a record's type code.
func DirentType(ftype uint8) uint8 {
	if ftype < 8 {
		return direntTypes[ftype]
	}
	return 0
}
