package guestprof

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"sort"

	"unigo.dev/unigo/image"
)

// frame is one function of an address's inline chain: its name and first
// line (what PGO keys call sites by), and the line executing in it.
type frame struct {
	fn        string
	startLine int64
	file      string
	line      int64
}

// scope is a function's code in the image: a whole function, or one
// inlined into it, with the functions inlined into it in turn.
type scope struct {
	fn        string
	startLine int64
	ranges    [][2]uint64
	callFile  string // where an inlined function's call sits in its parent
	callLine  int64
	inlined   []*scope
}

func (s *scope) covers(pc uint64) bool {
	for _, r := range s.ranges {
		if pc >= r[0] && pc < r[1] {
			return true
		}
	}
	return false
}

type lineEntry struct {
	pc   uint64
	file string
	line int64
}

// symbols maps code addresses of an image to inline chains, from DWARF;
// or, for an image without, to one frame each from the Go line table.
type symbols struct {
	funcs []*scope // whole functions, by start address
	lines []lineEntry
	table *image.Symbolizer // without DWARF
}

// readSymbols loads the functions, their inlining trees and the line
// table of the image at path from its DWARF, which is in the separate
// debug file debug when it is not "" (the store keeps it apart:
// image.SplitDebug). An image without DWARF gets the Go line table's
// frames: functions and lines, without inlined calls (inlined is false).
func readSymbols(path, debug string) (syms *symbols, inlined bool, err error) {
	from := path
	if debug != "" {
		from = debug
	}
	f, err := elf.Open(from)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		table, terr := image.NewSymbolizer(path)
		if terr != nil {
			return nil, false, fmt.Errorf("%s: no debug information (%v), and %v", from, err, terr)
		}
		return &symbols{table: table}, false, nil
	}
	syms, err = readDWARF(d)
	return syms, err == nil, err
}

// readDWARF reads the functions, their inlining trees and the line table.
func readDWARF(d *dwarf.Data) (*symbols, error) {
	syms := &symbols{}
	abstract := map[dwarf.Offset]*scope{} // functions only inlined: name and first line
	r := d.Reader()
	var parents []*scope // the enclosing scopes of the entries being read (nil: not a function)
	var files []*dwarf.LineFile
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		if e.Tag == 0 {
			if len(parents) > 0 {
				parents = parents[:len(parents)-1]
			}
			continue
		}
		var s *scope
		switch e.Tag {
		case dwarf.TagCompileUnit:
			files = nil
			if lr, err := d.LineReader(e); err == nil && lr != nil {
				files = lr.Files()
				var le dwarf.LineEntry
				for lr.Next(&le) == nil {
					if le.File != nil && !le.EndSequence {
						syms.lines = append(syms.lines, lineEntry{le.Address, le.File.Name, int64(le.Line)})
					}
				}
			}
			parents = parents[:0]
		case dwarf.TagSubprogram, dwarf.TagInlinedSubroutine:
			s = &scope{}
			if origin, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok && abstract[origin] != nil {
				s.fn, s.startLine = abstract[origin].fn, abstract[origin].startLine
			} else {
				s.fn, _ = e.Val(dwarf.AttrName).(string)
				s.startLine, _ = e.Val(dwarf.AttrDeclLine).(int64)
			}
			if inl, ok := e.Val(dwarf.AttrInline).(int64); ok && inl != 0 {
				abstract[e.Offset] = s
			}
			if ranges, err := d.Ranges(e); err == nil {
				for _, rg := range ranges {
					s.ranges = append(s.ranges, [2]uint64{rg[0], rg[1]})
				}
			}
			s.callLine, _ = e.Val(dwarf.AttrCallLine).(int64)
			if cf, ok := e.Val(dwarf.AttrCallFile).(int64); ok && cf >= 0 && int(cf) < len(files) && files[cf] != nil {
				s.callFile = files[cf].Name
			}
			switch {
			case e.Tag == dwarf.TagInlinedSubroutine && len(parents) > 0 && parents[len(parents)-1] != nil:
				p := parents[len(parents)-1]
				p.inlined = append(p.inlined, s)
			case e.Tag == dwarf.TagSubprogram && len(s.ranges) > 0:
				syms.funcs = append(syms.funcs, s)
			}
		}
		if e.Children {
			parents = append(parents, s)
		}
	}
	sort.Slice(syms.funcs, func(i, j int) bool { return syms.funcs[i].ranges[0][0] < syms.funcs[j].ranges[0][0] })
	sort.Slice(syms.lines, func(i, j int) bool { return syms.lines[i].pc < syms.lines[j].pc })
	return syms, nil
}

// at returns the inline chain at pc, innermost first; nil outside every
// function.
func (s *symbols) at(pc uint64) []frame {
	if s.table != nil {
		fn, file, line, ok := s.table.Frame(pc)
		if !ok {
			return nil
		}
		return []frame{{fn: fn, file: file, line: int64(line)}}
	}
	i := sort.Search(len(s.funcs), func(i int) bool { return s.funcs[i].ranges[0][0] > pc }) - 1
	if i < 0 || !s.funcs[i].covers(pc) {
		return nil
	}
	chain := []*scope{s.funcs[i]}
	for sc := s.funcs[i]; ; {
		var in *scope
		for _, k := range sc.inlined {
			if k.covers(pc) {
				in = k
				break
			}
		}
		if in == nil {
			break
		}
		chain = append(chain, in)
		sc = in
	}
	file, line := s.line(pc)
	frames := make([]frame, 0, len(chain))
	for k := len(chain) - 1; k >= 0; k-- {
		sc := chain[k]
		frames = append(frames, frame{fn: sc.fn, startLine: sc.startLine, file: file, line: line})
		file, line = sc.callFile, sc.callLine // the next one out executes the call
	}
	return frames
}

// line is the source line of pc: the innermost inlined function's.
func (s *symbols) line(pc uint64) (string, int64) {
	i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i].pc > pc }) - 1
	if i < 0 {
		return "", 0
	}
	return s.lines[i].file, s.lines[i].line
}
