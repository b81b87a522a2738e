package image

import (
	"bytes"
	"debug/elf"
	"io"
	"testing"
)

// A small root is loaded with the image; one of RootDiskMin bytes or more
// stays in the file, page-aligned in a file of whole pages (the VM's disk
// has whole sectors), and survives SplitDebug; RootArchive reads both.
func TestRootArchivePlacement(t *testing.T) {
	for _, c := range []struct {
		size   int
		onDisk bool
	}{{RootDiskMin - 1, false}, {RootDiskMin + 123, true}} {
		root := bytes.Repeat([]byte{'r'}, c.size)
		copy(root, "070701 a root archive")
		img, err := FromELFWithRootfs(linkedELF(t), root)
		if err != nil {
			t.Fatal(err)
		}
		path := writeTemp(t, "root.img", img)
		if _, err := Open(path); err != nil {
			t.Fatalf("%d-byte root: Open: %v", c.size, err)
		}
		if got, err := RootOnDisk(path); err != nil || got != c.onDisk {
			t.Fatalf("%d-byte root: RootOnDisk = %v, %v; want %v", c.size, got, err, c.onDisk)
		}
		kernel, _, err := SplitDebug(bytes.Clone(img))
		if err != nil {
			t.Fatal(err)
		}
		for name, file := range map[string][]byte{"image": img, "stripped": kernel} {
			f, err := elf.NewFile(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(RootArchive(f))
			if err != nil || !bytes.Equal(got, root) {
				t.Fatalf("%d-byte root, %s: RootArchive gives %d bytes (%v), not the root", c.size, name, len(got), err)
			}
			for _, p := range f.Progs {
				loaded := p.Type == elf.PT_LOAD && p.Flags&PFRootfs != 0
				if p.Type == PTRootDisk && (!c.onDisk || p.Off%pageSize != 0 || len(file)%pageSize != 0) {
					t.Errorf("%d-byte root, %s: disk root at offset %#x in a %d-byte file", c.size, name, p.Off, len(file))
				}
				if loaded && c.onDisk {
					t.Errorf("%d-byte root, %s: loaded, want it on the disk", c.size, name)
				}
			}
		}
	}
}
