package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The files, volume and instance benchmarks share their run loop: every
// subject that can run once a round, interleaved (A B C A B C ...) so that
// drifting host load hits all of them alike, each subject keeping its
// samples and its failures in a sampled; at the end each metric is the
// median of its samples, with min–max, or n/a and why.

// resultMetric is one quantity a benchmark reports: the key its samples and
// results.json use, its name in the table, and its unit.
type resultMetric struct{ Key, Name, Unit string }

// sampled is the run state of one subject of an interleaved benchmark.
type sampled struct {
	naWhy   string            // set when the subject cannot run at all
	na      map[string]string // metrics the subject does not have, and why; nil when it has all
	samples map[string][]float64
	fails   int
	failed  string // the first failed run's error
}

func newSampled() sampled { return sampled{samples: map[string][]float64{}} }

// runState gives runRounds a subject's run state (promoted to every subject
// type that embeds sampled).
func (s *sampled) runState() *sampled { return s }

// add records one sample of the metric key.
func (s *sampled) add(key string, v float64) { s.samples[key] = append(s.samples[key], v) }

// addLine records the values of one run that printed a result line, or its
// failure err, and returns the subject's text for the progress line: "KEY
// v1/v2/..." in the order of metrics, or "KEY failed: ERR".
func (s *sampled) addLine(key string, metrics []resultMetric, vals map[string]float64, err error) string {
	if err != nil {
		return key + " failed: " + err.Error()
	}
	var parts []string
	for _, m := range metrics {
		s.add(m.Key, vals[m.Key])
		parts = append(parts, fmt.Sprintf("%.0f", vals[m.Key]))
	}
	return key + " " + strings.Join(parts, "/")
}

// summarize sets one Metric per entry of metrics from the samples (n/a and
// why when the subject or the metric cannot be measured, or when every run
// failed) and returns notes with a note of the failed runs of runs, if any.
func (s *sampled) summarize(into map[string]Metric, metrics []resultMetric, runs int, notes []string) []string {
	for _, m := range metrics {
		switch {
		case s.naWhy != "":
			into[m.Key] = naMetric(m.Unit, "n/a: %s", s.naWhy)
		case s.na[m.Key] != "":
			into[m.Key] = naMetric(m.Unit, "n/a: %s", s.na[m.Key])
		case len(s.samples[m.Key]) == 0:
			into[m.Key] = naMetric(m.Unit, "n/a: every run failed; the first: %s", s.failed)
		default:
			into[m.Key] = sampleMetric(m.Unit, s.samples[m.Key])
		}
	}
	if s.fails > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d runs failed; the first: %s", s.fails, runs, s.failed))
	}
	return notes
}

// runRounds runs the subjects that can run (no naWhy) runs times,
// interleaved. once runs one subject once and returns its text for the
// round's progress line; an error counts as a failed run of the subject,
// unless ctx is done, which ends the rounds with ctx's error. After each
// round, done gets the round (from 0) and the subjects' texts.
func runRounds[S interface{ runState() *sampled }](ctx context.Context, runs int, subjects []S,
	once func(round int, s S) (string, error), done func(round int, texts []string)) error {
	for round := range runs {
		if err := ctx.Err(); err != nil {
			return err
		}
		var texts []string
		for _, s := range subjects {
			st := s.runState()
			if st.naWhy != "" {
				continue
			}
			text, err := once(round, s)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				st.fails++
				if st.failed == "" {
					st.failed = err.Error()
				}
			}
			texts = append(texts, text)
		}
		done(round, texts)
	}
	return nil
}

// errNoOut is the error of a config without its required output directory.
var errNoOut = errors.New("no output directory")
