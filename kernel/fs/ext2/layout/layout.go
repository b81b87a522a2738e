// Package layout is ext2's on-disk format: where each field of the
// superblock, a group descriptor and an inode is, with its width; the
// feature bits; directory records; the extended-attribute block's header.
// Everything on disk is little-endian. It holds no state and does no I/O:
// package ext2 applies it to blocks in its cache.
package layout

// Field16 and Field32 are little-endian fields of 16 and 32 bits at a
// byte offset in a structure's bytes. By hand: kernel packages do not
// import encoding/binary (unigo test must be able to run that package's
// tests).
type (
	Field16 int
	Field32 int
)

// Get reads the field from b (the structure's bytes).
func (f Field16) Get(b []byte) uint16 { return uint16(b[f]) | uint16(b[f+1])<<8 }

// Put stores v in the field in b.
func (f Field16) Put(b []byte, v uint16) { b[f], b[f+1] = byte(v), byte(v>>8) }

// Get reads the field from b (the structure's bytes).
func (f Field32) Get(b []byte) uint32 {
	return uint32(b[f]) | uint32(b[f+1])<<8 | uint32(b[f+2])<<16 | uint32(b[f+3])<<24
}

// Put stores v in the field in b.
func (f Field32) Put(b []byte, v uint32) {
	b[f], b[f+1], b[f+2], b[f+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// Entry is entry i of a table of 32-bit numbers: an indirect block's
// block numbers, i_block's (IBlock + Entry(i)).
func Entry(i int) Field32 { return Field32(4 * i) }
