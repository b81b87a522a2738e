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

// Measured is a subject measured as named quantities, each a set of
// samples: what the instance, registry and dockerrun benchmarks' subjects
// share (they embed it); its fields are theirs in results.json.
type Measured struct {
	Key             string                    `json:"key"`
	Label           string                    `json:"label"`
	How             string                    `json:"how,omitempty"`
	Commands        []string                  `json:"commands,omitempty"`
	Metrics         map[string]measure.Metric `json:"metrics"`
	Notes           []string                  `json:"notes,omitempty"`
	measure.Samples `json:"-"`
}

// NewMeasured is a subject of key, with no metrics yet.
func NewMeasured(key, label string) Measured {
	m := Measured{Key: key, Label: label, Metrics: map[string]measure.Metric{}}
	m.NA = map[string]string{}
	return m
}

// About implements Subject.
func (s *Measured) About() About {
	return About{Key: s.Key, Label: s.Label, How: s.How, Commands: s.Commands, Notes: s.Notes, Metrics: s.Metrics}
}

// A RatioColumn is a table column of one subject's values over another's
// (subject keys), under a title.
type RatioColumn struct{ Title, Of, Base string }

// QuantityRows are a subject table's rows: the header, then a row per
// quantity with its name, each subject's median and range in the
// quantity's unit, and the ratio columns whose two subjects are there.
func QuantityRows[S Subject](fn *Footnotes, subjects []S, qs []measure.Quantity, ratios ...RatioColumn) [][]string {
	rows, by := Table(subjects)
	var cols []RatioColumn
	for _, rc := range ratios {
		_, of := by[rc.Of]
		_, base := by[rc.Base]
		if of && base {
			cols = append(cols, rc)
			rows[0] = append(rows[0], rc.Title)
		}
	}
	for _, q := range qs {
		row := MetricRow(fn, q.Name, subjects, q.Key, q.Unit)
		for _, rc := range cols {
			cell := ""
			if v, ok := measure.Ratio(by[rc.Of].About().Metrics[q.Key], by[rc.Base].About().Metrics[q.Key]); ok {
				cell = RatioText(v)
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	return rows
}
