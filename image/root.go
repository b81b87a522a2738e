package image

import (
	"debug/elf"
	"io"
)

// RootArchive returns the root file system archive (newc cpio) an image
// carries, loaded (a PT_LOAD marked PFRootfs) or on the disk (PTRootDisk),
// or nil when it carries none.
func RootArchive(f *elf.File) *io.SectionReader {
	for _, p := range f.Progs {
		if p.Type == PTRootDisk || p.Type == elf.PT_LOAD && p.Flags&PFRootfs != 0 {
			return io.NewSectionReader(p, 0, int64(p.Filesz))
		}
	}
	return nil
}

// RootOnDisk reports whether the image at path keeps its root file system
// on the disk: the VMM must then give the guest the image file itself as
// a read-only disk, after the spec's own disks (docs/boot-contract.md). It
// reads only the headers (Open).
func RootOnDisk(path string) (bool, error) {
	info, err := Open(path)
	if err != nil {
		return false, err
	}
	return info.RootOnDisk, nil
}
