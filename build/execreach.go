package build

import (
	"debug/elf"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// A static C library links whole object files: glibc's socket comes into a
// Rust hello with if_nametoindex, getifaddrs and the resolver, which nothing
// the program runs calls. So the symbol table alone says "may use sockets"
// of nearly every glibc program. reachesSockets follows the program's code
// from where it can be entered instead, erring on the side of the stack:
// any address an instruction or a root names counts as a call.

// codeGraph is a static program's machine code cut into nodes: its
// functions, and the stretches of code that no function symbol covers.
type codeGraph struct {
	nodes  []codeNode // sorted by start
	maxEnd []uint64   // maxEnd[i] is the largest end of nodes[:i+1]: ranges may overlap
	text   []codeSection
	lo, hi uint64 // the addresses of code lie in [lo, hi)
	// pie is set for a static-PIE program (ET_DYN), whose instructions
	// hold no absolute address: only its branches and RIP-relative
	// operands refer to code. The immediates of a position-dependent one
	// may be addresses too.
	pie bool
	// cold lists, by node, the parts of a function that the compiler
	// split off (foo.cold): reached from foo, perhaps through a jump table
	// that names no address in the code.
	cold map[int][]int
}

// codeNode is a function, or code that no sized function symbol covers.
type codeNode struct {
	start, end uint64
	socket     bool // a socketSymbol names an address in it
	uncovered  bool // no function symbol covers it: a root
}

// codeSection is an executable section's contents.
type codeSection struct {
	addr uint64
	data []byte
}

// reachesSockets reports whether code that a socketSymbol names can run:
// whether it is reachable through the graph of references from the entry
// point, from the functions whose addresses the program's data holds
// (roots), or from code outside any function. It says true when the
// program's file cannot be read well enough to tell.
func reachesSockets(f *elf.File, syms []elf.Symbol) bool {
	g, ok := newCodeGraph(f, syms)
	if !ok {
		return true
	}
	roots, ok := codeRoots(f, g)
	if !ok {
		return true
	}
	return g.reaches(roots)
}

// newCodeGraph reads f's executable sections and makes the nodes from
// syms; false when a socketSymbol names no address of f (undefined).
func newCodeGraph(f *elf.File, syms []elf.Symbol) (*codeGraph, bool) {
	g := &codeGraph{pie: f.Type == elf.ET_DYN, lo: ^uint64(0)}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS || s.Size == 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			return nil, false
		}
		g.text = append(g.text, codeSection{addr: s.Addr, data: data})
		g.lo, g.hi = min(g.lo, s.Addr), max(g.hi, s.Addr+s.Size)
	}
	sort.Slice(g.text, func(i, j int) bool { return g.text[i].addr < g.text[j].addr })
	g.addFunctions(syms)
	g.addUncovered()
	g.index()
	g.linkColdParts(syms)
	for _, s := range syms {
		if !socketSymbol.MatchString(s.Name) {
			continue
		}
		if s.Section == elf.SHN_UNDEF {
			return nil, false
		}
		g.containing(s.Value, func(i int) { g.nodes[i].socket = true })
	}
	return g, true
}

// addFunctions makes a node of each sized function symbol in code;
// aliases (socket and __socket) make one node.
func (g *codeGraph) addFunctions(syms []elf.Symbol) {
	for _, s := range syms {
		t := elf.ST_TYPE(s.Info)
		if (t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC) && s.Size > 0 && g.inText(s.Value) {
			g.nodes = append(g.nodes, codeNode{start: s.Value, end: s.Value + s.Size})
		}
	}
	g.sortNodes()
	merged := g.nodes[:0]
	for _, n := range g.nodes {
		if k := len(merged) - 1; k >= 0 && merged[k].start == n.start {
			merged[k].end = max(merged[k].end, n.end)
			continue
		}
		merged = append(merged, n)
	}
	g.nodes = merged
}

// addUncovered makes a node of each stretch of an executable section that
// no function covers (start-up code, assembly without sizes, padding):
// such code is a root, as nothing says who enters it.
func (g *codeGraph) addUncovered() {
	var gaps []codeNode
	i := 0
	for _, sec := range g.text {
		end := sec.addr + uint64(len(sec.data))
		covered := sec.addr
		for ; i < len(g.nodes) && g.nodes[i].start < end; i++ {
			if n := g.nodes[i]; n.start > covered {
				gaps = append(gaps, codeNode{start: covered, end: n.start, uncovered: true})
			}
			covered = max(covered, g.nodes[i].end)
		}
		if covered < end {
			gaps = append(gaps, codeNode{start: covered, end: end, uncovered: true})
		}
	}
	g.nodes = append(g.nodes, gaps...)
	g.sortNodes()
}

func (g *codeGraph) sortNodes() {
	sort.Slice(g.nodes, func(i, j int) bool { return g.nodes[i].start < g.nodes[j].start })
}

// index computes maxEnd, for containing.
func (g *codeGraph) index() {
	g.maxEnd = make([]uint64, len(g.nodes))
	var m uint64
	for i, n := range g.nodes {
		m = max(m, n.end)
		g.maxEnd[i] = m
	}
}

// linkColdParts records each function's split-off parts (foo.cold,
// foo.cold.3) as reached from it; a part whose function is not found
// is a root.
func (g *codeGraph) linkColdParts(syms []elf.Symbol) {
	byName := map[string][]int{}
	var parts []elf.Symbol
	for _, s := range syms {
		if t := elf.ST_TYPE(s.Info); t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC {
			continue
		}
		if strings.Contains(s.Name, ".cold") {
			parts = append(parts, s)
		}
		g.startingAt(s.Value, func(i int) { byName[s.Name] = append(byName[s.Name], i) })
	}
	g.cold = map[int][]int{}
	for _, s := range parts {
		parent, _, _ := strings.Cut(s.Name, ".cold")
		parents := byName[parent]
		if len(parents) == 0 {
			parents = []int{-1}
		}
		g.startingAt(s.Value, func(i int) {
			for _, p := range parents {
				g.cold[p] = append(g.cold[p], i)
			}
		})
	}
}

func (g *codeGraph) inText(a uint64) bool {
	for _, s := range g.text {
		if a >= s.addr && a < s.addr+uint64(len(s.data)) {
			return true
		}
	}
	return false
}

// containing calls visit with each node whose range holds a.
func (g *codeGraph) containing(a uint64, visit func(int)) {
	if a < g.lo || a >= g.hi {
		return
	}
	i := sort.Search(len(g.nodes), func(k int) bool { return g.nodes[k].start > a }) - 1
	for ; i >= 0 && g.maxEnd[i] > a; i-- {
		if g.nodes[i].end > a {
			visit(i)
		}
	}
}

// startingAt calls visit with the node that begins at a, if any.
func (g *codeGraph) startingAt(a uint64, visit func(int)) {
	if a < g.lo || a >= g.hi {
		return
	}
	i := sort.Search(len(g.nodes), func(k int) bool { return g.nodes[k].start >= a })
	if i < len(g.nodes) && g.nodes[i].start == a {
		visit(i)
	}
}

// code is the bytes of node n.
func (g *codeGraph) code(n codeNode) []byte {
	for _, s := range g.text {
		if n.start >= s.addr && n.start < s.addr+uint64(len(s.data)) {
			end := min(n.end-s.addr, uint64(len(s.data)))
			return s.data[n.start-s.addr : end]
		}
	}
	return nil
}

// reaches walks the graph from the roots (node indices) and reports
// whether it meets a node that a socketSymbol names. Only the nodes
// reached are disassembled.
func (g *codeGraph) reaches(roots []int) bool {
	seen := make([]bool, len(g.nodes))
	var work []int
	push := func(i int) {
		if !seen[i] {
			seen[i] = true
			work = append(work, i)
		}
	}
	for _, r := range roots {
		push(r)
	}
	for _, c := range g.cold[-1] {
		push(c)
	}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if g.nodes[i].socket {
			return true
		}
		g.refs(g.nodes[i], func(a uint64) { g.containing(a, push) })
		for _, c := range g.cold[i] {
			push(c)
		}
	}
	return false
}

// refs disassembles n (a linear sweep that steps one byte over what does
// not decode) and calls visit with every address its instructions name,
// and with the code after n if its last instruction lets execution run on
// (glibc's __mempcpy_chk ends in a conditional jump and runs into
// __mempcpy). Code outside functions that ends in padding runs on nowhere.
func (g *codeGraph) refs(n codeNode, visit func(uint64)) {
	code := g.code(n)
	runsOn := true
	for off := 0; off < len(code); {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil || inst.Len == 0 {
			off++
			runsOn = true
			continue
		}
		off += inst.Len
		next := n.start + uint64(off)
		for _, a := range inst.Args {
			if a == nil {
				break
			}
			g.operandRefs(a, next, visit)
		}
		runsOn = runsOnAfter(inst.Op) && !(n.uncovered && isPadding(inst))
	}
	if runsOn {
		visit(g.pastPadding(n.end))
	}
}

// runsOnAfter reports whether execution may go on to the instruction after
// one with op. A call ends a function only when its callee never returns.
func runsOnAfter(op x86asm.Op) bool {
	switch op {
	case x86asm.RET, x86asm.LRET, x86asm.JMP, x86asm.LJMP, x86asm.CALL, x86asm.HLT,
		x86asm.UD0, x86asm.UD1, x86asm.UD2, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ, x86asm.SYSRET:
		return false
	}
	return true
}

// isPadding tells the instructions that align code: NOP and INT3.
func isPadding(inst x86asm.Inst) bool {
	return inst.Op == x86asm.NOP || inst.Op == x86asm.INT && inst.Args[0] == x86asm.Imm(3)
}

// pastPadding is the address of the first instruction at or after a that
// is not padding.
func (g *codeGraph) pastPadding(a uint64) uint64 {
	code := g.code(codeNode{start: a, end: g.hi})
	off := 0
	for off < len(code) {
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil || !isPadding(inst) {
			break
		}
		off += inst.Len
	}
	return a + uint64(off)
}

// operandRefs calls visit with the addresses operand a may name in the
// instruction that ends at next: a branch's target, a RIP-relative
// operand's address and, in a position-dependent program, any immediate
// or displacement.
func (g *codeGraph) operandRefs(a x86asm.Arg, next uint64, visit func(uint64)) {
	switch a := a.(type) {
	case x86asm.Rel:
		visit(next + uint64(int64(a)))
	case x86asm.Mem:
		switch {
		case a.Base == x86asm.RIP:
			visit(next + uint64(a.Disp))
		case a.Base == 0 && a.Index == 0:
			// x86asm gives a VEX-encoded RIP-relative operand no base:
			// read the displacement both ways.
			visit(next + uint64(a.Disp))
			if !g.pie {
				visit(uint64(a.Disp))
			}
		case !g.pie:
			visit(uint64(a.Disp))
		}
	case x86asm.Imm:
		if !g.pie {
			visit(uint64(a))
		}
	}
}
