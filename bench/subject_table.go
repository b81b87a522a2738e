package bench

import (
	"fmt"
	"io"
	"strings"
)

// The tables of the files, volume and instance benchmarks: a column per
// subject, a row per metric, ratio columns particular to each benchmark,
// then what each subject is and the report's notes.

// subjectAbout is what a subject table shows of a subject.
type subjectAbout struct {
	Key, Label, How string
	Commands        []string // printed as "  $ COMMAND"
	Notes           []string
	Metrics         map[string]Metric
}

// tableSubject is a subject a subject table can show.
type tableSubject interface{ about() subjectAbout }

// subjectTable starts a table of subjects: its header row, "" then each
// subject's label, and the subjects by key (a key that is not there gives
// the zero S), for the ratio columns.
func subjectTable[S tableSubject](subjects []S) (rows [][]string, byKey map[string]S) {
	rows, byKey = [][]string{{""}}, map[string]S{}
	for _, s := range subjects {
		a := s.about()
		rows[0] = append(rows[0], a.Label)
		byKey[a.Key] = s
	}
	return rows, byKey
}

// metricRow starts the row of a metric: its name, then each subject's
// value of key in format.
func metricRow[S tableSubject](fn *footnotes, name string, subjects []S, key, format string) []string {
	row := []string{name}
	for _, s := range subjects {
		row = append(row, fn.cell(s.about().Metrics[key], format))
	}
	return row
}

// finishTable adds the rows and their footnotes to b, then how each subject
// runs, its commands and notes, and the report's notes, and writes b to w.
func finishTable[S tableSubject](w io.Writer, b *strings.Builder, rows [][]string, fn *footnotes, subjects []S, notes []string) error {
	writeRows(b, rows)
	fn.write(b)
	b.WriteString("\n")
	for _, s := range subjects {
		a := s.about()
		if a.How != "" {
			fmt.Fprintf(b, "%s: %s\n", a.Label, a.How)
		}
		for _, c := range a.Commands {
			fmt.Fprintf(b, "  $ %s\n", c)
		}
		writeNotes(b, "  ", a.Notes)
	}
	writeNotes(b, "note: ", notes)
	_, err := io.WriteString(w, b.String())
	return err
}

// ratioCell prints the ratio q when there is one (ok), else "n/a".
func ratioCell(q float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return ratioText(q)
}
