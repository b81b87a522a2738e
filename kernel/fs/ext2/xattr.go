package ext2

// Extended attributes are not implemented, but a file may come with an
// attribute block (i_file_acl, shared between files through a reference
// count): freeing the file must drop its reference and free the block
// with the last one, or e2fsck finds the block lost.

const (
	xattrMagic    = 0xEA020000
	xattrRefcount = 4
)

// releaseXattr drops n's reference to its attribute block.
func releaseXattr(n *inode) {
	blk := n.fileACL
	if blk == 0 {
		return
	}
	n.fileACL = 0
	n.blocks -= uint64(fs.bs / 512)
	if !validBlock(blk) {
		return
	}
	s, e := bget(blk, getRead, meta)
	if e != 0 {
		return
	}
	b := blockBytes(s)
	if le32(b, 0) != xattrMagic {
		bput(s) // not an attribute block: leave it alone
		return
	}
	refs := le32(b, xattrRefcount)
	if refs > 1 {
		put32(b, xattrRefcount, refs-1)
		bdirty(s)
		bput(s)
		return
	}
	bput(s)
	freeBlock(blk)
}
