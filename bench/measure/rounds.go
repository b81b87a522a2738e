package measure

import (
	"context"
	"fmt"
	"strings"
)

// Every benchmark runs its subjects in rounds: every subject that can run
// once a round, interleaved (A B C A B C ...) so that drifting host load
// hits all of them alike, each subject keeping its samples and its failures
// in its Samples; at the end each quantity is the median of its samples,
// with min–max, or n/a and why.

// Quantity is one quantity a benchmark reports: the key its samples and
// results.json use, its name in the table, and its unit.
type Quantity struct{ Key, Name, Unit string }

// Samples are what the rounds recorded of one subject. A subject type
// embeds them, which makes it one that RunRounds runs.
type Samples struct {
	NAWhy  string            // set when the subject cannot run at all
	NA     map[string]string // quantities the subject does not have, and why; nil when it has all
	Fails  int               // failed runs
	Failed string            // the first failed run's error
	values map[string][]float64
}

// samples gives RunRounds a subject's samples (promoted to every subject
// type that embeds Samples).
func (s *Samples) samples() *Samples { return s }

// CanRun reports whether the subject runs at all.
func (s *Samples) CanRun() bool { return s.NAWhy == "" }

// Add records one sample of the quantity key.
func (s *Samples) Add(key string, v float64) {
	if s.values == nil {
		s.values = map[string][]float64{}
	}
	s.values[key] = append(s.values[key], v)
}

// Of returns the samples of the quantity key.
func (s *Samples) Of(key string) []float64 { return s.values[key] }

// Metric is the quantity key of unit from its samples, or n/a and why
// when the subject or the quantity cannot be measured, or when every run
// failed.
func (s *Samples) Metric(key, unit string) Metric {
	switch {
	case s.NAWhy != "":
		return NA(unit, "n/a: %s", s.NAWhy)
	case s.NA[key] != "":
		return NA(unit, "n/a: %s", s.NA[key])
	case len(s.values[key]) == 0:
		return NA(unit, "n/a: every run failed; the first: %s", s.Failed)
	}
	return FromSamples(unit, s.values[key])
}

// AddLine records the values of one run that printed a result line, or its
// failure err, and returns the subject's text for the progress line: "KEY
// v1/v2/..." in the order of qs, or "KEY failed: ERR".
func (s *Samples) AddLine(key string, qs []Quantity, vals map[string]float64, err error) string {
	if err != nil {
		return key + " failed: " + err.Error()
	}
	var parts []string
	for _, q := range qs {
		s.Add(q.Key, vals[q.Key])
		parts = append(parts, fmt.Sprintf("%.0f", vals[q.Key]))
	}
	return key + " " + strings.Join(parts, "/")
}

// Summarize sets one Metric per quantity of qs from the samples and returns
// notes with a note of the failed runs of runs, if any.
func (s *Samples) Summarize(into map[string]Metric, qs []Quantity, runs int, notes []string) []string {
	for _, q := range qs {
		into[q.Key] = s.Metric(q.Key, q.Unit)
	}
	return s.FailureNote(notes, "%d of %d runs failed; the first: %s", runs)
}

// FailureNote returns notes with a note of the failed runs, if any, in
// format, which takes the failures, runs and the first failure's error.
func (s *Samples) FailureNote(notes []string, format string, runs int) []string {
	if s.Fails > 0 {
		notes = append(notes, fmt.Sprintf(format, s.Fails, runs, s.Failed))
	}
	return notes
}

// RunRounds runs the subjects that can run runs times, interleaved. once
// runs one subject once and returns its text for the round's progress line;
// an error counts as a failed run of the subject, unless ctx is done, which
// ends the rounds with ctx's error. After each round, done gets the round
// (from 0) and the subjects' texts.
func RunRounds[S interface{ samples() *Samples }](ctx context.Context, runs int, subjects []S,
	once func(round int, s S) (string, error), done func(round int, texts []string)) error {
	for round := range runs {
		if err := ctx.Err(); err != nil {
			return err
		}
		var texts []string
		for _, s := range subjects {
			st := s.samples()
			if !st.CanRun() {
				continue
			}
			text, err := once(round, s)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				st.Fails++
				if st.Failed == "" {
					st.Failed = err.Error()
				}
			}
			texts = append(texts, text)
		}
		done(round, texts)
	}
	return nil
}
