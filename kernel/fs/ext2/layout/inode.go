package layout

// Inode fields. Those from IExtraIsize on are in large inodes only, and
// then only inside i_extra_isize.
const (
	IMode        Field16 = 0
	IUID         Field16 = 2
	ISize        Field32 = 4
	IAtime       Field32 = 8
	ICtime       Field32 = 12
	IMtime       Field32 = 16
	IDtime       Field32 = 20
	IGID         Field16 = 24
	ILinks       Field16 = 26
	IBlocks      Field32 = 28
	IFlags       Field32 = 32
	IBlock       Field32 = 40 // NBlock entries
	IFileACL     Field32 = 104
	ISizeHigh    Field32 = 108
	IBlocksHigh  Field16 = 116
	IUIDHigh     Field16 = 120
	IGIDHigh     Field16 = 122
	IExtraIsize  Field16 = 128
	ICtimeExtra  Field32 = 132
	IMtimeExtra  Field32 = 136
	IAtimeExtra  Field32 = 140
	ICrtime      Field32 = 144
	ICrtimeExtra Field32 = 148
)

// File types in i_mode, as in stat(2).
const (
	TypeMask    = 0o170000
	TypeFIFO    = 0o010000
	TypeChar    = 0o020000
	TypeDir     = 0o040000
	TypeBlock   = 0o060000
	TypeRegular = 0o100000
	TypeSymlink = 0o120000
	TypeSocket  = 0o140000
)

// Inode flags.
const (
	FlagIndex = 0x1000 // hashed directory index: invalid once the directory changes
)

// NBlock is the length of i_block: 12 direct, single, double and triple
// indirect.
const NBlock = 15

// The extended-attribute block (i_file_acl): its header.
const (
	XattrHMagic    Field32 = 0
	XattrHRefcount Field32 = 4

	XattrMagic = 0xEA020000
)
