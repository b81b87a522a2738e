package image

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"strings"
	"testing"
)

// The split of an image with a root file system: the kernel stays a valid
// image, without DWARF, with the same symbols, line table, segments and
// root; the debug file has the DWARF, for the same addresses.
func TestSplitDebug(t *testing.T) {
	root := bytes.Repeat([]byte("root file system "), 1000)
	full, err := FromELFWithRootfs(linkedELF(t), root)
	if err != nil {
		t.Fatal(err)
	}
	if !HasDebug(full) {
		t.Fatal("the linked test program has no DWARF")
	}
	kernel, debug, err := SplitDebug(bytes.Clone(full))
	if err != nil {
		t.Fatalf("SplitDebug: %v", err)
	}
	if debug == nil || HasDebug(kernel) {
		t.Fatalf("debug %d bytes, kernel still with DWARF: %v", len(debug), HasDebug(kernel))
	}
	t.Logf("image %d bytes: kernel %d, debug file %d", len(full), len(kernel), len(debug))
	if _, err := check("kernel", kernel); err != nil {
		t.Fatalf("the stripped kernel is no longer an image: %v", err)
	}
	ff, kf := elfFile(t, full), elfFile(t, kernel)
	if _, err := kf.DWARF(); err == nil {
		t.Error("debug/elf still finds DWARF in the kernel")
	}

	// Segments: the same bytes at the same addresses, aligned as before.
	if len(kf.Progs) != len(ff.Progs) {
		t.Fatalf("%d program headers, want %d", len(kf.Progs), len(ff.Progs))
	}
	for i, p := range ff.Progs {
		k := kf.Progs[i]
		if k.Vaddr != p.Vaddr || k.Filesz != p.Filesz || k.Memsz != p.Memsz || k.Off%pageSize != p.Off%pageSize {
			t.Errorf("segment %d: %+v, want %+v", i, k.ProgHeader, p.ProgHeader)
		}
		// The headers' own page changes (offsets, the section table).
		if p.Off >= pageSize && !bytes.Equal(kernel[k.Off:k.Off+k.Filesz], full[p.Off:p.Off+p.Filesz]) {
			t.Errorf("segment %d's contents changed", i)
		}
	}
	// Sections: the same, but for the DWARF ones.
	var names []string
	for _, s := range ff.Sections {
		if !isDWARFName(s.Name) {
			names = append(names, s.Name)
		}
	}
	if len(kf.Sections) != len(names) {
		t.Fatalf("%d sections, want %d", len(kf.Sections), len(names))
	}
	for i, s := range kf.Sections {
		fs := ff.Section(s.Name)
		if s.Name != names[i] || fs == nil || s.Addr != fs.Addr || s.Size != fs.Size || s.Type != fs.Type {
			t.Errorf("section %d: %+v, want %s %+v", i, s.SectionHeader, names[i], fs)
			continue
		}
		if s.Type != elf.SHT_NOBITS {
			a, _ := s.Data()
			b, _ := fs.Data()
			if !bytes.Equal(a, b) {
				t.Errorf("section %s's contents changed", s.Name)
			}
		}
	}
	fsyms, err := ff.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	ksyms, err := kf.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	if len(ksyms) != len(fsyms) {
		t.Fatalf("%d symbols, want %d", len(ksyms), len(fsyms))
	}
	var mainPC uint64
	for i, s := range fsyms {
		same := ksyms[i].Section == s.Section
		if s.Section > 0 && s.Section < elf.SHN_LORESERVE {
			same = kf.Sections[ksyms[i].Section].Name == ff.Sections[s.Section].Name
		}
		if ksyms[i].Name != s.Name || ksyms[i].Value != s.Value || !same {
			t.Fatalf("symbol %d: %+v, want %+v", i, ksyms[i], s)
		}
		if s.Name == "main.main" {
			mainPC = s.Value
		}
	}
	ks, err := NewSymbolizer(writeTemp(t, "kernel", kernel))
	if err != nil {
		t.Fatal(err)
	}
	fsym, err := NewSymbolizer(writeTemp(t, "full", full))
	if err != nil {
		t.Fatal(err)
	}
	for pc := mainPC; pc < mainPC+64; pc++ {
		a, _ := ks.Symbolize(pc)
		b, _ := fsym.Symbolize(pc)
		if a != b {
			t.Fatalf("the kernel symbolizes %#x as %q, the image as %q", pc, a, b)
		}
	}

	// The debug file: DWARF for main.main at its address.
	df := elfFile(t, debug)
	d, err := df.DWARF()
	if err != nil {
		t.Fatalf("the debug file's DWARF: %v", err)
	}
	found := false
	for r := d.Reader(); ; {
		e, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		if e.Tag == dwarf.TagSubprogram && e.Val(dwarf.AttrName) == "main.main" {
			found = e.Val(dwarf.AttrLowpc) == mainPC
			break
		}
	}
	if !found {
		t.Error("the debug file has no main.main at its address")
	}
	if len(df.Sections) != len(ff.Sections) || df.Section(".text").Addr != ff.Section(".text").Addr || df.Section(".text").Type != elf.SHT_NOBITS {
		t.Errorf("the debug file's section headers do not mirror the image's")
	}

	if err := CheckDebug(kernel, debug); err != nil {
		t.Errorf("CheckDebug of the pair: %v", err)
	}
	other := bytes.Clone(debug)
	n := df.Section(".note.go.buildid")
	other[n.Offset+n.Size-1] ^= 1
	if err := CheckDebug(kernel, other); err == nil || !strings.Contains(err.Error(), "another image's") {
		t.Errorf("CheckDebug of another build's debug file: %v", err)
	}

	// Splitting again changes nothing.
	again, d2, err := SplitDebug(kernel)
	if err != nil || d2 != nil || !bytes.Equal(again, kernel) {
		t.Errorf("SplitDebug of the kernel: %d debug bytes, %v", len(d2), err)
	}
}

func elfFile(t *testing.T, data []byte) *elf.File {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a valid ELF file: %v", err)
	}
	return f
}

func isDWARFName(n string) bool {
	return len(n) > 7 && (n[:7] == ".debug_" || n[:8] == ".zdebug_")
}
