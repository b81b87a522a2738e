package image

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"unigo.dev/unigo/internal/cpio"
)

// An image of the kernel of unmodified executables (unigo build --exec)
// holds its program in the root file system: addresses of a crash report
// that are the program's resolve through the program's own symbols — its Go
// line table when it is a Go binary, else its ELF symbol table
// ("function+0xOFFSET"). A static-PIE program is placed at a random base,
// so only a program linked at fixed addresses (ET_EXEC) is resolved.

// exeLink is the link in the image's root that names the program
// (build.ExeLink, without the leading slash as the archive has it).
const exeLink = ".unigo/exe"

// programSymbols resolves addresses of a program.
type programSymbols struct {
	gotable *gosym.Table
	funcs   []elf.Symbol // FUNC symbols by address
}

// readProgramSymbols returns the symbols of the program of an image of
// unmodified executables, or nil (not such an image, a static-PIE program,
// no symbols).
func readProgramSymbols(f *elf.File) *programSymbols {
	root := RootArchive(f)
	if root == nil {
		return nil
	}
	target, err := cpio.ReadFile(io.NewSectionReader(root, 0, root.Size()), exeLink)
	if err != nil {
		return nil
	}
	name := strings.TrimPrefix(path.Clean("/"+string(target)), "/")
	prog, err := cpio.ReadFile(io.NewSectionReader(root, 0, root.Size()), name)
	if err != nil {
		return nil
	}
	pf, err := elf.NewFile(bytes.NewReader(prog))
	if err != nil || pf.Type != elf.ET_EXEC {
		return nil
	}
	defer pf.Close()
	s := &programSymbols{}
	if pcln, text := pf.Section(".gopclntab"), pf.Section(".text"); pcln != nil && text != nil {
		if data, err := pcln.Data(); err == nil {
			s.gotable, _ = gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
		}
	}
	syms, _ := pf.Symbols()
	for _, sym := range syms {
		if elf.ST_TYPE(sym.Info) == elf.STT_FUNC && sym.Value != 0 {
			s.funcs = append(s.funcs, sym)
		}
	}
	sort.Slice(s.funcs, func(i, j int) bool { return s.funcs[i].Value < s.funcs[j].Value })
	if s.gotable == nil && len(s.funcs) == 0 {
		return nil
	}
	return s
}

// symbolize resolves pc in the program: "function file:line" from a Go
// line table, else "function+0xOFFSET (program)".
func (s *programSymbols) symbolize(pc uint64) (string, bool) {
	if s.gotable != nil {
		if file, line, fn := s.gotable.PCToLine(pc); fn != nil {
			return fmt.Sprintf("%s %s:%d (program)", fn.Name, file, line), true
		}
	}
	i := sort.Search(len(s.funcs), func(i int) bool { return s.funcs[i].Value > pc }) - 1
	if i < 0 {
		return "", false
	}
	fn := s.funcs[i]
	if fn.Size != 0 && pc >= fn.Value+fn.Size {
		return "", false
	}
	return fmt.Sprintf("%s+%#x (program)", fn.Name, pc-fn.Value), true
}
