package guestprof

import (
	"io"
	"time"

	"github.com/google/pprof/profile"
)

// WriteProfile writes stacks, sampled every interval from the VM running
// the ELF image at path, as a gzipped pprof CPU profile: go tool pprof
// reads it, and go build -pgo takes it. Its symbols come from the image's
// DWARF, in the separate file debug unless that is "" (readSymbols); an
// image without gives frames without inlined calls, and inlined false.
func WriteProfile(w io.Writer, image, debug string, stacks []Stack, interval time.Duration) (inlined bool, err error) {
	p, inlined, err := buildProfile(image, debug, stacks, interval)
	if err != nil {
		return false, err
	}
	return inlined, p.Write(w)
}

// IdleFunction is the one frame of a sample taken while the CPU was halted
// with nothing to run. The kernel halts on the trap path of whichever
// thread blocked last, so the stack below the halt would charge idle time
// to an arbitrary thread (often the runtime's sysmon): it is left out.
const IdleFunction = "(idle: the CPU halted)"

// haltFunction is where the kernel halts the CPU.
const haltFunction = "unigo.dev/unigo/kernel/devices/lapic.WaitForInterrupt"

func buildProfile(image, debug string, stacks []Stack, interval time.Duration) (*profile.Profile, bool, error) {
	syms, inlined, err := readSymbols(image, debug)
	if err != nil {
		return nil, false, err
	}
	period := interval.Nanoseconds()
	m := &profile.Mapping{ID: 1, Limit: ^uint64(0), File: image,
		HasFunctions: true, HasFilenames: true, HasLineNumbers: true, HasInlineFrames: inlined}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     period,
		Mapping:    []*profile.Mapping{m},
	}
	funcs := map[string]*profile.Function{}
	locs := map[uint64]*profile.Location{}
	function := func(f frame) *profile.Function {
		if fn, ok := funcs[f.fn]; ok {
			return fn
		}
		fn := &profile.Function{ID: uint64(len(p.Function) + 1), Name: f.fn, SystemName: f.fn, Filename: f.file, StartLine: f.startLine}
		funcs[f.fn] = fn
		p.Function = append(p.Function, fn)
		return fn
	}
	location := func(pc uint64) *profile.Location {
		if l, ok := locs[pc]; ok {
			return l
		}
		frames := syms.at(pc)
		if len(frames) == 0 {
			locs[pc] = nil
			return nil
		}
		l := &profile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Address: pc}
		for _, f := range frames {
			l.Line = append(l.Line, profile.Line{Function: function(f), Line: f.line})
		}
		locs[pc] = l
		p.Location = append(p.Location, l)
		return l
	}
	var idle *profile.Location
	for _, st := range stacks {
		var ls []*profile.Location
		for i, pc := range st {
			if i > 0 {
				pc-- // a return address: the call instruction ends just before it
			}
			if l := location(pc); l != nil {
				ls = append(ls, l)
			}
		}
		if len(ls) > 0 && ls[0].Line[0].Function.Name == haltFunction {
			if idle == nil {
				fn := &profile.Function{ID: uint64(len(p.Function) + 1), Name: IdleFunction, SystemName: IdleFunction}
				p.Function = append(p.Function, fn)
				idle = &profile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Line: []profile.Line{{Function: fn}}}
				p.Location = append(p.Location, idle)
			}
			ls = []*profile.Location{idle}
		}
		if len(ls) > 0 {
			p.Sample = append(p.Sample, &profile.Sample{Location: ls, Value: []int64{1, period}})
		}
	}
	return p, inlined, p.CheckValid()
}
