package layout

// Group descriptors: a table from the block after the superblock's,
// one for each block group.
const GroupDescSize = 32 // without the 64bit feature

// Group descriptor fields.
const (
	GDBlockBitmap Field32 = 0
	GDInodeBitmap Field32 = 4
	GDInodeTable  Field32 = 8
	GDFreeBlocks  Field16 = 12
	GDFreeInodes  Field16 = 14
	GDUsedDirs    Field16 = 16
)
