package memory

import (
	"unsafe"

	"unigo.dev/unigo/kernel/cpu"
)

// pfRootfs marks the root file system's PT_LOAD (image.PFRootfs).
const pfRootfs = 0x00100000

// ptRootDisk is the program header of a root file system left on the disk
// (image.PTRootDisk).
const ptRootDisk = 0x60756e67

// elfHeaderAddr is the physical address where the loader put the image's ELF
// header: the image's text is loaded at 0x101000 and its first page holds
// the headers. Its virtual address is the same for an app's image, 1 GiB
// higher for the kernel of unmodified executables (docs/exec-design.md).
const elfHeaderAddr uintptr = 0x100000

// Segment describes one loaded segment of the kernel image.
type Segment struct {
	Start, End uintptr // virtual, page-aligned
	Phys       uintptr // where Start was loaded
	Prot       uint32
}

// imageSegments reads the program headers of the running image.
// It returns the virtual end of the mapped segments (where the BSS
// continues) and the physical end of everything loaded (the root file system
// archive sits after the data in physical memory).
func imageSegments(out *[8]Segment) (n int, fileEnd, loadEnd uintptr) {
	phoff := *(*uint64)(unsafe.Add(nil, elfHeaderAddr+32))
	phnum := int(*(*uint16)(unsafe.Add(nil, elfHeaderAddr+56)))
	for i := 0; i < phnum && n < len(out); i++ {
		ph := elfHeaderAddr + uintptr(phoff) + uintptr(i)*56
		switch *(*uint32)(unsafe.Add(nil, ph)) {
		case 1: // PT_LOAD
		case ptRootDisk:
			mm.rootDiskOff = *(*int64)(unsafe.Add(nil, ph+8))
			mm.rootDiskSize = *(*int64)(unsafe.Add(nil, ph+32))
			continue
		default:
			continue
		}
		flags := *(*uint32)(unsafe.Add(nil, ph+4))
		vaddr := *(*uintptr)(unsafe.Add(nil, ph+16))
		paddr := *(*uintptr)(unsafe.Add(nil, ph+24))
		memsz := *(*uintptr)(unsafe.Add(nil, ph+40))
		if end := pageUp(paddr + memsz); end > loadEnd {
			loadEnd = end
		}
		if flags&pfRootfs != 0 {
			// The root file system archive: loaded, not mapped; its pages
			// are reserved until the kernel has unpacked it.
			mm.rootfs = paddr
			mm.rootfsSize = *(*uintptr)(unsafe.Add(nil, ph+32))
			continue
		}
		var prot uint32 = ProtRead
		if flags&1 != 0 {
			prot |= ProtExec
		}
		if flags&2 != 0 {
			prot |= ProtWrite
		}
		out[n] = Segment{pageDown(vaddr), pageUp(vaddr + memsz), pageDown(paddr), prot}
		if out[n].End > fileEnd {
			fileEnd = out[n].End
		}
		if mm.imageBase == 0 || out[n].Start < mm.imageBase {
			mm.imageBase = out[n].Start
		}
		n++
	}
	return n, fileEnd, loadEnd
}

// RAM is one usable range from the boot memory map.
type RAM struct{ Start, End uintptr }

// Init builds the kernel's page tables and switches to them. Before it, the
// boot code's temporary tables map the first 1 GiB at its physical address.
// ram lists usable physical memory; bssEnd is the end of the image's BSS,
// which is mapped on demand like any anonymous memory.
// It runs before anything can fault, so it must not touch BSS.
func Init(ram []RAM, bssEnd uintptr) bool {
	var segs [8]Segment
	n, imageEnd, loadEnd := imageSegments(&segs)
	f := &mm.frames
	for _, r := range ram {
		start := r.Start
		if start < loadEnd {
			start = loadEnd
		}
		if r.End > mm.ramTop {
			mm.ramTop = r.End
		}
		f.addRAM(start, r.End)
	}
	root := f.alloc()
	if root == 0 {
		return false
	}
	mm.root = root
	for i := 0; i < n; i++ {
		s := segs[i]
		flags := leafFlags(s.Prot) | pteGlobal
		for v := s.Start; v < s.End; v += PageSize {
			if !mapPage(v, s.Phys+(v-s.Start), flags) {
				return false
			}
		}
	}
	// The direct map: all RAM at DirectMapBase, 2 MiB pages, no execute.
	const huge = 2 << 20
	for p := uintptr(0); p < mm.ramTop; p += huge {
		v := DirectMapBase + p
		table := mm.root
		for level := uint(3); level > 1; level-- {
			e := &physPage(table)[index(v, level)]
			if *e&ptePresent == 0 {
				t := f.alloc()
				if t == 0 {
					return false
				}
				*e = uint64(t) | ptePresent | pteWritable
			}
			table = uintptr(*e & pteAddrMask)
		}
		physPage(table)[index(v, 1)] = uint64(p) | ptePresent | pteWritable | pteHuge | pteGlobal | pteNoExec | pteAccessed | pteDirty
	}
	cpu.WriteCR3(uint64(mm.root))
	mm.physOffset = DirectMapBase
	// The region list is read by the page-fault handler: back it now.
	start := uintptr(unsafe.Pointer(&regions))
	for v := pageDown(start); v < start+unsafe.Sizeof(regions); v += PageSize {
		if e := walk(v, false); e != nil && *e&ptePresent != 0 {
			continue // shares a page with loaded data
		}
		p := f.alloc()
		if p == 0 || !mapPage(v, p, leafFlags(ProtRead|ProtWrite)) {
			return false
		}
	}
	// BSS beyond the loaded data: demand-zero, like an anonymous mapping.
	mm.imageTop = pageUp(bssEnd)
	if mm.imageTop > imageEnd {
		regions.insert(region{start: imageEnd, end: mm.imageTop, prot: ProtRead | ProtWrite})
	}
	return true
}

// MapDevice maps device memory (uncached) at DirectMapBase+phys and returns
// the virtual address.
func MapDevice(phys, size uintptr) uintptr {
	for p := pageDown(phys); p < phys+size; p += PageSize {
		mapPage(DirectMapBase+p, p, ptePresent|pteWritable|pteNoCache|pteWriteThr|pteNoExec)
	}
	return DirectMapBase + phys
}

// Rootfs returns the root file system archive the image carries (nil if none).
func Rootfs() []byte {
	if mm.rootfsSize == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(nil, PhysToVirt(mm.rootfs))), mm.rootfsSize)
}

// ImageHeader is the first sector of the loaded image: its ELF header and
// program headers, as in the image file (FindRootDisk compares them).
func ImageHeader() []byte {
	return unsafe.Slice((*byte)(unsafe.Add(nil, PhysToVirt(elfHeaderAddr))), 512)
}

// RootDisk says where the root file system archive is in the image file
// when the image keeps it on the disk (size 0: it does not).
func RootDisk() (off, size int64) { return mm.rootDiskOff, mm.rootDiskSize }

// ReleaseRootfs gives the archive's pages to the allocator once unpacked.
func ReleaseRootfs() {
	ReleaseRootfsPrefix(mm.rootfsSize + PageSize)
	mm.rootfsSize = 0
}

// ReleaseRootfsPrefix gives the allocator the archive's whole pages in its
// first n bytes, which the unpacking has copied: a large file (an
// unmodified executable) then never sits in RAM twice, and the least
// memory an image boots in does not grow by its size.
func ReleaseRootfsPrefix(n uintptr) {
	end := mm.rootfs + n&^(PageSize-1)
	if last := pageUp(mm.rootfs + mm.rootfsSize); end > last {
		end = last
	}
	for p := mm.rootfs + mm.rootfsReleased; p < end; p += PageSize {
		mm.frames.donate(p)
		mm.rootfsReleased += PageSize
	}
}
