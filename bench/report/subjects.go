package report

import (
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/bench/measure"
)

// The tables of the files, volume and instance benchmarks: a column per
// subject, a row per metric, ratio columns particular to each benchmark,
// then what each subject is and the report's notes.

// About is what a subject table shows of a subject.
type About struct {
	Key, Label, How string
	Commands        []string // printed as "  $ COMMAND"
	Notes           []string
	Metrics         map[string]measure.Metric
}

// Subject is a subject a subject table can show.
type Subject interface{ About() About }

// Table starts a table of subjects: its header row, "" then each
// subject's label, and the subjects by key (a key that is not there gives
// the zero S), for the ratio columns.
func Table[S Subject](subjects []S) (rows [][]string, byKey map[string]S) {
	rows, byKey = [][]string{{""}}, map[string]S{}
	for _, s := range subjects {
		a := s.About()
		rows[0] = append(rows[0], a.Label)
		byKey[a.Key] = s
	}
	return rows, byKey
}

// MetricRow starts the row of a metric: its name, then each subject's
// value of key in format.
func MetricRow[S Subject](fn *Footnotes, name string, subjects []S, key, format string) []string {
	row := []string{name}
	for _, s := range subjects {
		row = append(row, fn.Cell(s.About().Metrics[key], format))
	}
	return row
}

// FinishTable adds the rows and their footnotes to b, then how each subject
// runs, its commands and notes, and the report's notes, and writes b to w.
func FinishTable[S Subject](w io.Writer, b *strings.Builder, rows [][]string, fn *Footnotes, subjects []S, notes []string) error {
	WriteRows(b, rows)
	fn.Write(b)
	b.WriteString("\n")
	for _, s := range subjects {
		a := s.About()
		if a.How != "" {
			fmt.Fprintf(b, "%s: %s\n", a.Label, a.How)
		}
		for _, c := range a.Commands {
			fmt.Fprintf(b, "  $ %s\n", c)
		}
		WriteNotes(b, "  ", a.Notes)
	}
	WriteNotes(b, "note: ", notes)
	_, err := io.WriteString(w, b.String())
	return err
}

// RatioCell prints the ratio q when there is one (ok), else "n/a".
func RatioCell(q float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return RatioText(q)
}
