package ext2

import (
	"unigo.dev/unigo/kernel/fs/ext2/cache"
	"unigo.dev/unigo/kernel/fs/ext2/layout"
)

// Extended attributes are not implemented, but a file may come with an
// attribute block (i_file_acl, shared between files through a reference
// count): freeing the file must drop its reference and free the block
// with the last one, or e2fsck finds the block lost.

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
	s, e := cache.Get(blk, cache.Read, cache.Meta)
	if e != 0 {
		return
	}
	b := cache.Bytes(s)
	if layout.XattrHMagic.Get(b) != layout.XattrMagic {
		cache.Put(s) // not an attribute block: leave it alone
		return
	}
	refs := layout.XattrHRefcount.Get(b)
	if refs > 1 {
		layout.XattrHRefcount.Put(b, refs-1)
		cache.Dirty(s)
		cache.Put(s)
		return
	}
	cache.Put(s)
	freeBlock(blk)
}
