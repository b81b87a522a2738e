package vmm

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
)

// reportPrefix starts every line of a kernel crash report on COM2.
const reportPrefix = "unigo: "

// maxReportLine bounds how much of an unfinished report line is held back.
const maxReportLine = 4096

var pcToken = regexp.MustCompile(`pc=0x([0-9a-fA-F]+)`)

// Symbolizer is what an Annotator needs from image.Symbolizer.
type Symbolizer interface {
	Symbolize(pc uint64) (string, bool)
}

// An Annotator passes COM2 output through, except that on lines beginning with
// "unigo: " every token pc=0x… is resolved to its function and source line,
// appended as " [func file:line]". Other output is not delayed: only a line
// that is (or may still become) a report line is held until its newline.
type Annotator struct {
	w    io.Writer
	sym  Symbolizer
	line []byte // the current line, held while it may be a report line
	mid  bool   // in the middle of a line known not to be a report line
}

func NewAnnotator(w io.Writer, sym Symbolizer) *Annotator {
	return &Annotator{w: w, sym: sym}
}

func (a *Annotator) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i+1]
		}
		p = p[len(chunk):]
		complete := i >= 0

		if a.mid {
			if _, err := a.w.Write(chunk); err != nil {
				return n - len(p), err
			}
			a.mid = !complete
			continue
		}
		a.line = append(a.line, chunk...)
		text := bytes.TrimSuffix(a.line, []byte("\n"))
		switch {
		case len(text) < len(reportPrefix) && bytes.HasPrefix([]byte(reportPrefix), text) && !complete:
			// Could still become a report line: wait for more.
		case bytes.HasPrefix(a.line, []byte(reportPrefix)):
			if complete || len(a.line) >= maxReportLine {
				if err := a.flush(); err != nil {
					return n - len(p), err
				}
				a.mid = !complete
			}
		default:
			if err := a.flush(); err != nil {
				return n - len(p), err
			}
			a.mid = !complete
		}
	}
	return n, nil
}

// Close writes out a held line, if any.
func (a *Annotator) Close() error { return a.flush() }

func (a *Annotator) flush() error {
	if len(a.line) == 0 {
		return nil
	}
	line := a.line
	a.line = a.line[:0]
	if bytes.HasPrefix(line, []byte(reportPrefix)) {
		line = a.annotate(line)
	}
	_, err := a.w.Write(line)
	return err
}

// annotate appends " [func file:line]" for each resolvable pc=0x… token,
// keeping the line ending where it was.
func (a *Annotator) annotate(line []byte) []byte {
	if a.sym == nil {
		return line
	}
	body := bytes.TrimRight(line, "\r\n")
	end := line[len(body):]
	var notes []byte
	for _, m := range pcToken.FindAllSubmatch(body, -1) {
		pc, err := strconv.ParseUint(string(m[1]), 16, 64)
		if err != nil {
			continue
		}
		if where, ok := a.sym.Symbolize(pc); ok {
			notes = append(notes, " ["+where+"]"...)
		}
	}
	if notes == nil {
		return line
	}
	out := append(append([]byte{}, body...), notes...)
	return append(out, end...)
}
