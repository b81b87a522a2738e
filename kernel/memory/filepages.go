package memory

import "unigo.dev/unigo/kernel/cpu"

// File pages: the pages of shared file mappings. Every MAP_SHARED mapping
// of a file maps the same page for the same file page, so that two
// mappings, and the file's read and write, see one another's writes. A
// file system that keeps files in pages (memfs: tmpfs and the image root)
// lends the file's own page (FileShare), and read and write go through it
// already; for the others (ext2 volumes) the table holds a copy, which
// package vfs keeps coherent by copying through it (FileCopy). A
// page-table entry that maps a file page carries pteFilePage, and
// unmapping never frees it: the table or the file system owns it. Pages
// are looked up by (file, page number) in an open-addressed hash table.
//
// Dirty tracking is by write fault, as Linux does it: a file page is mapped
// read-only until the first write through a mapping, which marks it dirty
// and makes that entry writable; CleanFilePages write-protects the file's
// mappings again before its dirty pages are written back, so a write
// after that dirties the page anew.
//
// What the pages hold comes from the file system, which this package
// cannot reach (it sits below it): FileFill, set at init by package vfs.
// Trap path: no allocation; the table is in BSS, demand-paged, and only
// the file path touches it (never the fault path of anonymous memory).

// pteFilePage (a bit the CPU leaves to software) marks an entry that maps
// a file page, which the table owns.
const pteFilePage = 1 << 9

// FileFill reads file ino's bytes at off into page (zeros past the end of
// the file). It returns false when off is at or past the end of the file,
// or the read failed: the access gets SIGBUS, as on Linux.
var FileFill func(ino uint32, off int64, page *[PageSize]byte) bool

// FileShare returns the file system's own page holding file ino's page
// pgoff, when its file system lends pages (ok); page 0 then means past the
// end of the file. Set at init by package vfs, like FileFill.
var FileShare func(ino uint32, pgoff int64) (page uintptr, ok bool)

const (
	maxFilePages = 1 << 17 // 512 MiB of file pages mapped shared at once
	maxFiles     = 256     // files with pages in the table at once
)

type filePage struct {
	ino      uint32 // 0: a free slot
	dirty    bool
	borrowed bool // the file system's own page (FileShare): never freed or written back here
	pgoff    int64
	page     uintptr
}

// fileEntry counts one file's pages in the table.
type fileEntry struct {
	ino          uint32
	pages, dirty int32
}

var filePages struct {
	n     int // pages in the table
	files [maxFiles]fileEntry
	slots [maxFilePages]filePage
}

func fileHash(ino uint32, pgoff int64) int {
	h := uint64(pgoff)*0x9e3779b97f4a7c15 ^ uint64(ino)*0xc2b2ae3d27d4eb4f
	return int(h>>40) & (maxFilePages - 1)
}

// fileSlot returns the slot of (ino, pgoff), or the free slot where it
// would go.
func fileSlot(ino uint32, pgoff int64) *filePage {
	for i := fileHash(ino, pgoff); ; i = (i + 1) & (maxFilePages - 1) {
		s := &filePages.slots[i]
		if s.ino == 0 || s.ino == ino && s.pgoff == pgoff {
			return s
		}
	}
}

// fileOf returns ino's counters, adding them when add is set; nil when
// absent (or the files table is full).
func fileOf(ino uint32, add bool) *fileEntry {
	var free *fileEntry
	for i := range filePages.files {
		f := &filePages.files[i]
		if f.ino == ino {
			return f
		}
		if f.ino == 0 && free == nil {
			free = f
		}
	}
	if !add || free == nil {
		return nil
	}
	*free = fileEntry{ino: ino}
	return free
}

// HasFilePages reports whether any file has pages in the table: package
// vfs's read and write look no further when none has.
func HasFilePages() bool { return filePages.n != 0 }

// FileCopy returns the table's copy of page pgoff of file ino, which its
// shared mappings map, or 0: none, or they map the file system's own page.
func FileCopy(ino uint32, pgoff int64) uintptr {
	if filePages.n == 0 {
		return 0
	}
	if s := fileSlot(ino, pgoff); !s.borrowed {
		return s.page
	}
	return 0
}

// sharedPage returns the table's page for (ino, pgoff), the file system's
// own or a copy read from the file the first time; 0 past the end of the
// file or when memory or the table is exhausted (full reports the latter).
// borrowed says the page is the file system's: writes to it are the file's.
func sharedPage(ino uint32, pgoff int64) (p uintptr, borrowed, full bool) {
	s := fileSlot(ino, pgoff)
	if s.ino != 0 {
		return s.page, s.borrowed, false
	}
	f := fileOf(ino, true)
	if f == nil || filePages.n >= maxFilePages*7/8 {
		return 0, false, true
	}
	if p, ok := FileShare(ino, pgoff); ok {
		if p == 0 {
			if f.pages == 0 {
				f.ino = 0
			}
			return 0, false, false
		}
		*s = filePage{ino: ino, pgoff: pgoff, page: p, borrowed: true}
		filePages.n++
		f.pages++
		return p, true, false
	}
	p = mm.frames.alloc()
	if p == 0 {
		if f.pages == 0 {
			f.ino = 0
		}
		return 0, false, true
	}
	if !FileFill(ino, pgoff*PageSize, PageBytes(p)) {
		mm.frames.release(p)
		if f.pages == 0 {
			f.ino = 0
		}
		return 0, false, false
	}
	*s = filePage{ino: ino, pgoff: pgoff, page: p}
	filePages.n++
	f.pages++
	return p, false, false
}

// markDirty records that a mapping wrote file page (ino, pgoff).
func markDirty(ino uint32, pgoff int64) {
	s := fileSlot(ino, pgoff)
	if s.ino == 0 || s.dirty || s.borrowed {
		return
	}
	s.dirty = true
	if f := fileOf(ino, false); f != nil {
		f.dirty++
	}
}

// deleteSlot empties slot i, closes the gap in its probe run and returns
// the page it held when the table owned it (0 for a borrowed one).
func deleteSlot(i int) uintptr {
	s := &filePages.slots[i]
	p := s.page
	if s.borrowed {
		p = 0
	}
	if f := fileOf(s.ino, false); f != nil {
		f.pages--
		if s.dirty {
			f.dirty--
		}
		if f.pages == 0 {
			*f = fileEntry{}
		}
	}
	filePages.n--
	// Backward-shift deletion: move later members of the run into the gap
	// when their home slot does not lie between the gap and them.
	gap := i
	for j := (i + 1) & (maxFilePages - 1); filePages.slots[j].ino != 0; j = (j + 1) & (maxFilePages - 1) {
		home := fileHash(filePages.slots[j].ino, filePages.slots[j].pgoff)
		if (j-home)&(maxFilePages-1) >= (j-gap)&(maxFilePages-1) {
			filePages.slots[gap] = filePages.slots[j]
			gap = j
		}
	}
	filePages.slots[gap] = filePage{}
	return p
}

// eachSharedPTE calls fn for every present entry of a shared mapping of
// file ino at file page pgoff or later.
func eachSharedPTE(ino uint32, from int64, fn func(v uintptr, e *uint64, pgoff int64)) {
	for i := 0; i < regions.n; i++ {
		r := regions.r[i]
		if r.ino != ino || !r.shared {
			continue
		}
		start := r.start
		if skip := from*PageSize - r.off; skip > 0 {
			if skip >= int64(r.end-r.start) {
				continue
			}
			start += uintptr(skip)
		}
		forEachPresent(start, r.end, func(v uintptr, e *uint64) {
			fn(v, e, r.fileOffset(v)/PageSize)
		})
	}
}

// CleanFilePages hands each dirty page of file ino to write (pgoff and
// the page's bytes) and marks it clean once written; before that, the
// file's mappings lose write access, so that a later write faults and
// dirties the page again. It returns the first error write reports.
func CleanFilePages(ino uint32, write func(pgoff int64, page *[PageSize]byte) int) int {
	f := fileOf(ino, false)
	if f == nil || f.dirty == 0 {
		return 0
	}
	eachSharedPTE(ino, 0, func(v uintptr, e *uint64, _ int64) {
		if *e&pteWritable != 0 {
			*e &^= pteWritable | pteDirty
			cpu.Invlpg(v)
		}
	})
	for i := range filePages.slots {
		s := &filePages.slots[i]
		if s.ino != ino || !s.dirty {
			continue
		}
		if e := write(s.pgoff, PageBytes(s.page)); e != 0 {
			return e
		}
		s.dirty = false
		if f.dirty--; f.dirty == 0 {
			break
		}
	}
	return 0
}

// DropFilePages forgets file ino's pages from page pgoff on: the mappings
// that map them lose them (a later access past the file's end gets
// SIGBUS) and the table frees them. Dirty ones are lost: the caller
// writes them back first when they matter.
func DropFilePages(ino uint32, from int64) {
	f := fileOf(ino, false)
	if f == nil {
		return
	}
	eachSharedPTE(ino, from, func(v uintptr, e *uint64, _ int64) {
		*e = 0
		cpu.Invlpg(v)
	})
	for i := 0; i < maxFilePages && f.ino == ino; {
		if s := &filePages.slots[i]; s.ino == ino && s.pgoff >= from {
			if p := deleteSlot(i); p != 0 { // a later entry may move into slot i: look again
				mm.frames.release(p)
			}
			continue
		}
		i++
	}
}
