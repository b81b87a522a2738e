package layout

// Superblock fields. The superblock is 1024 bytes at byte 1024 of the
// disk, whatever the block size.
const (
	SbInodesCount    Field32 = 0
	SbBlocksCount    Field32 = 4
	SbRBlocksCount   Field32 = 8 // blocks reserved for the super-user
	SbFreeBlocks     Field32 = 12
	SbFreeInodes     Field32 = 16
	SbFirstData      Field32 = 20
	SbLogBlockSize   Field32 = 24
	SbBlocksPerGroup Field32 = 32
	SbInodesPerGroup Field32 = 40
	SbMtime          Field32 = 44
	SbWtime          Field32 = 48
	SbMntCount       Field16 = 52
	SbMagic          Field16 = 56
	SbState          Field16 = 58
	SbRevLevel       Field32 = 76
	SbFirstIno       Field32 = 84
	SbInodeSize      Field16 = 88
	SbFeatCompat     Field32 = 92
	SbFeatIncompat   Field32 = 96
	SbFeatROCompat   Field32 = 100
	SbWantExtraIsize Field16 = 350
)

// SbUUID is where the file system's 16-byte UUID starts.
const SbUUID = 104

// Values of SbMagic and SbState.
const (
	SuperMagic = 0xEF53
	StateValid = 1 // cleanly unmounted
)

// Features. Compatible ones never stop a mount; of the incompatible ones
// only filetype (and flex_bg, which only moves metadata the descriptors
// point at) is understood; an unknown read-only-compatible one makes the
// mount read-only.
const (
	IncompatFiletype = 0x0002
	IncompatRecover  = 0x0004 // an ext3 journal needs replaying
	IncompatFlexBG   = 0x0200
	IncompatKnown    = IncompatFiletype | IncompatFlexBG

	ROCompatSparseSuper = 0x0001
	ROCompatLargeFile   = 0x0002
	ROCompatHugeFile    = 0x0008
	ROCompatKnown       = ROCompatSparseSuper | ROCompatLargeFile
)
