package image

import (
	"debug/elf"
	"debug/gosym"
	"fmt"
	"sync"
)

// Symbolizer resolves code addresses of an image to "function file:line", so
// that a kernel crash report (pc=0x… tokens on COM2) points at source. It uses
// the Go line table (.gopclntab), which even a stripped Go binary keeps.
type Symbolizer struct {
	table   *gosym.Table
	program *programSymbols // the program of an image of unmodified executables, or nil
}

// NewSymbolizer reads the Go line table of the ELF file at path.
func NewSymbolizer(path string) (*Symbolizer, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read symbols of %s: %w", path, err)
	}
	defer f.Close()
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("cannot read symbols of %s: it has no Go line table (.gopclntab)", path)
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, fmt.Errorf("cannot read symbols of %s: %w", path, err)
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("cannot read symbols of %s: %w", path, err)
	}
	return &Symbolizer{table: table, program: readProgramSymbols(f)}, nil
}

// Symbolize returns "function file:line" for pc, or ok=false if pc is not
// inside a Go function of the image (or of the program of an image of
// unmodified executables: programsyms.go).
func (s *Symbolizer) Symbolize(pc uint64) (where string, ok bool) {
	file, line, fn := s.table.PCToLine(pc)
	if fn == nil {
		if s.program != nil {
			return s.program.symbolize(pc)
		}
		return "", false
	}
	return fmt.Sprintf("%s %s:%d", fn.Name, file, line), true
}

// Frame is pc's function and source line, as Symbolize says them; ok is
// false outside every Go function. Inlined calls are not told apart: the
// line is the innermost one's, the function the one they were inlined into.
func (s *Symbolizer) Frame(pc uint64) (fn, file string, line int, ok bool) {
	file, line, f := s.table.PCToLine(pc)
	if f == nil {
		return "", "", 0, false
	}
	return f.Name, file, line, true
}

// LazySymbolizer symbolizes like Symbolizer but reads the image's line
// table at its first use: crash reports are rare, and the table would
// cost the VM's host process (a monitor, a container process) some 15 MiB
// of heap for as long as the VM runs. Addresses stay unresolved if the
// table cannot be read then.
type LazySymbolizer struct {
	path string
	once sync.Once
	sym  *Symbolizer
}

// NewLazySymbolizer is the LazySymbolizer of the image file at path.
func NewLazySymbolizer(path string) *LazySymbolizer { return &LazySymbolizer{path: path} }

// Symbolize implements vmm.Symbolizer.
func (l *LazySymbolizer) Symbolize(pc uint64) (string, bool) {
	l.once.Do(func() { l.sym, _ = NewSymbolizer(l.path) })
	if l.sym == nil {
		return "", false
	}
	return l.sym.Symbolize(pc)
}
