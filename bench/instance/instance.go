// Package instance is `unigo bench instance`: it times the life of a
// detached instance as its user sees it, from the command line: `unigo run
// -d` to the app's first console line, `unigo stop` of an app that exits
// at once on SIGTERM, and `unigo kill`. Baselines in the same run: the same
// image run attached (`unigo run`, to its first line), and the same static
// binary in a FROM scratch container (`docker run -d`, `docker stop`,
// `docker kill`; runc when no Docker engine answers).
package instance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// Subjects of the instance benchmark, in table order.
const (
	Detached = "unigo-detached" // unigo run -d, stop, kill
	Attached = "unigo-attached" // unigo run, to the first line
)

// Config says what Run measures and how.
type Config struct {
	Runs     int      // interleaved runs of each subject; default 10
	App      string   // the app: prints a line, exits 0 on SIGTERM; default ./examples/sigwait
	Unigo    string   // the unigo binary to time; required
	Machine  string   // QEMU machine type: microvm (default) or pc
	Accel    string   // tcg (default), kvm, or auto
	MemMiB   int      // memory of the VMs; default 64 (unigo run's default)
	Runtime  string   // container baseline: auto (default), docker or runc
	Subjects []string // subset of Detached, Attached, harness.Container; default all
	Out      string   // directory for results.json, the built files and the unigo root; required

	Timeout  time.Duration // limit for one step; default 60 s
	Progress io.Writer     // progress lines; nil for none
}

// SetDefaults fills in what cfg leaves out and checks the rest.
func (c *Config) SetDefaults() error {
	harness.OrDefault(&c.Runs, 10)
	harness.OrDefault(&c.MemMiB, 64)
	if err := harness.VMDefaults(&c.Machine, &c.Accel, &c.MemMiB); err != nil {
		return err
	}
	harness.OrDefault(&c.App, "./examples/sigwait")
	if c.Unigo == "" {
		return errors.New("no unigo binary to time")
	}
	harness.OrDefault(&c.Runtime, harness.RuntimeAuto)
	if c.Runtime != harness.RuntimeAuto && c.Runtime != harness.RuntimeDocker && c.Runtime != harness.RuntimeRunc {
		return fmt.Errorf("container runtime %q: want %s, %s or %s", c.Runtime, harness.RuntimeAuto, harness.RuntimeDocker, harness.RuntimeRunc)
	}
	if err := harness.CheckSubjects(&c.Subjects, Detached, Attached, harness.Container); err != nil {
		return err
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	harness.OrDefault(&c.Timeout, 60*time.Second)
	return nil
}

// quantities are the quantities measured, in seconds, in table order.
// Not every subject has every one.
var quantities = []measure.Quantity{
	{Key: "start_line", Name: "start to the app's first line", Unit: "s"},
	{Key: "start_return", Name: "start command returns", Unit: "s"},
	{Key: "boot", Name: "VMM start to first output (state BootTimeMs)", Unit: "s"},
	{Key: "stop", Name: "stop (SIGTERM, the app exits at once)", Unit: "s"},
	{Key: "kill", Name: "kill", Unit: "s"},
}

// Report is the result of Run, written as results.json.
type Report struct {
	report.Base
	Config   Settings   `json:"config"`
	Subjects []*Subject `json:"subjects"`
}

// Settings are the configuration the report was measured with.
type Settings struct {
	Runs        int     `json:"runs"`
	Machine     string  `json:"machine"`
	Accel       string  `json:"accel"`
	MemMiB      int     `json:"mem_mib"`
	Unigo       string  `json:"unigo"`
	Root        string  `json:"unigo_root"`
	Timeout     float64 `json:"timeout_s"`
	Interleaved bool    `json:"interleaved"`
}

// Subject holds the measurements of one subject, in seconds.
type Subject struct {
	report.Measured

	// cycle runs the subject once (start and stop, start and kill), adding
	// each time it measures.
	cycle func(ctx context.Context, add func(key string, seconds float64)) error
}

// Run runs the instance benchmark and writes results.json into cfg.Out.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.SetDefaults(); err != nil {
		return nil, err
	}
	began, loadBefore := time.Now(), measure.LoadAvg()
	progress := harness.Progress(cfg.Progress)
	artifacts, unigoBin, err := harness.CLIWorkspace(cfg.Out, cfg.Unigo)
	if err != nil {
		return nil, err
	}
	root, err := harness.PrivateRoot(cfg.Out, cfg.Accel)
	if err != nil {
		return nil, err
	}
	r := &Report{Base: report.NewBase("instance", began, "", cfg.App)}
	r.Config = Settings{Runs: cfg.Runs, Machine: cfg.Machine, Accel: cfg.Accel, MemMiB: cfg.MemMiB,
		Unigo: unigoBin, Root: root, Timeout: cfg.Timeout.Seconds(), Interleaved: true}
	r.Notes = append(r.Notes,
		"every time is of the commands a user types, run as processes by the benchmark: from starting the command to its exit, or to the app's first line",
		"first line: the time stamp of the line's record in the instance's console log (unigo: console.log, written by the monitor as the line arrives; Docker: the json-file log, written by the daemon), minus the time the start command was started",
		"each run starts every subject twice where it can (once to stop, once to kill), so start times have two samples a run",
	)

	app, err := r.BuildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	if app.Line, err = harness.FirstLine(ctx, app.Binary, 10*time.Second); err != nil {
		return nil, fmt.Errorf("app %s: %w", cfg.App, err)
	}
	r.App.Line, r.App.LineSource = app.Line, "its first line when run natively"
	progress("app %s: %d bytes built plain; first line %q", cfg.App, app.Size, app.Line)

	u := &unigoCLI{cfg: cfg, bin: unigoBin, root: root, app: app}
	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			c()
		}
	}()
	for _, key := range cfg.Subjects {
		s := &Subject{Measured: report.NewMeasured(key, "")}
		r.Subjects = append(r.Subjects, s)
		var err error
		switch key {
		case Detached:
			err = u.detached(ctx, s)
		case Attached:
			err = u.attached(ctx, s)
		case harness.Container:
			var cleanup func()
			cleanup, err = containerCycles(ctx, cfg, app, artifacts, s)
			if cleanup != nil {
				cleanups = append(cleanups, cleanup)
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.NAWhy = err.Error()
			progress("%s: n/a: %s", s.Label, s.NAWhy)
		}
	}

	err = measure.RunRounds(ctx, cfg.Runs, r.Subjects, func(_ int, s *Subject) (string, error) {
		var got []string
		err := s.cycle(ctx, func(key string, v float64) {
			s.Add(key, v)
			got = append(got, fmt.Sprintf("%s %s", key, report.DurationText(v)))
		})
		if err != nil {
			got = append(got, "failed: "+err.Error())
		}
		return s.Key + ": " + strings.Join(got, ", "), err
	}, func(i int, texts []string) {
		progress("run %d/%d: %s", i+1, cfg.Runs, strings.Join(texts, "; "))
	})
	if err != nil {
		return nil, err
	}
	for _, s := range r.Subjects {
		s.Notes = s.Summarize(s.Metrics, quantities, cfg.Runs, s.Notes)
	}
	r.NoteLoad(loadBefore)
	return r, r.Finish(began, cfg.Out, r)
}
