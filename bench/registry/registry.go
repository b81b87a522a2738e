// Package registry is `unigo bench registry`: the same app shipped through a
// registry as a unigo image (`unigo push`, `unigo pull`) and as a FROM
// scratch container image of the same static binary (`docker push`,
// `docker pull`), each push to and pull from a registry of its own that
// starts empty, through a proxy that counts the bytes on the wire.
package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/internal/registryserver"
)

// Subjects of the benchmark, in table order.
const (
	Unigo  = "unigo"  // unigo push and pull of the app's unigo image
	Docker = "docker" // docker push and pull of the FROM scratch image
)

// Config says what Run measures and how.
type Config struct {
	Runs     int      // interleaved runs of each subject; default 5
	App      string   // the app; default ./examples/httpd
	Unigo    string   // the unigo binary to time; required
	Subjects []string // subset of Unigo, Docker; default both
	Out      string   // directory for results.json and the built files; required
	Timeout  time.Duration
	Progress io.Writer
}

// SetDefaults fills in what cfg leaves out and checks the rest.
func (c *Config) SetDefaults() error {
	harness.OrDefault(&c.Runs, 5)
	harness.OrDefault(&c.App, "./examples/httpd")
	harness.OrDefault(&c.Timeout, 2*time.Minute)
	if c.Unigo == "" {
		return errors.New("no unigo binary to time")
	}
	if err := harness.CheckSubjects(&c.Subjects, Unigo, Docker); err != nil {
		return err
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	return nil
}

var quantities = []measure.Quantity{
	{Key: "push", Name: "push to an empty registry", Unit: "s"},
	{Key: "pull", Name: "pull into an empty store", Unit: "s"},
	{Key: "push_bytes", Name: "bytes on the wire, push", Unit: "bytes"},
	{Key: "pull_bytes", Name: "bytes on the wire, pull", Unit: "bytes"},
	{Key: "image_bytes", Name: "image in the registry (blobs)", Unit: "bytes"},
	{Key: "debug_bytes", Name: "debug information beside it (blobs)", Unit: "bytes"},
}

// Report is the result of Run, written as results.json.
type Report struct {
	report.Base
	Config   Settings   `json:"config"`
	Subjects []*Subject `json:"subjects"`
}

// Settings are the configuration the report was measured with.
type Settings struct {
	Runs    int     `json:"runs"`
	Unigo   string  `json:"unigo"`
	Timeout float64 `json:"timeout_s"`
}

// Subject holds the measurements of one subject.
type Subject struct {
	report.Measured

	// ship pushes to the registry at addr, then pulls from it, adding what
	// it measures.
	ship func(ctx context.Context, addr string, add func(key string, v float64), wire *wireCounter) error
}

// Run runs the benchmark and writes results.json into cfg.Out.
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
	r := &Report{Base: report.NewBase("registry", began, "", cfg.App)}
	r.Config = Settings{Runs: cfg.Runs, Unigo: unigoBin, Timeout: cfg.Timeout.Seconds()}
	r.Notes = append(r.Notes,
		"each run starts a fresh registry (Debian's docker-registry, the CNCF distribution server) on loopback, so every push sends everything; clients reach it through a TCP proxy of the benchmark that counts the bytes both ways (HTTP included)",
		"times are of the commands a user types, from start to exit; a pull goes into a store that does not have the image (a fresh UNIGO_ROOT; for Docker, the image and its layers removed first, untimed)",
	)
	app, err := r.BuildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	progress("app %s: %d bytes built plain", cfg.App, app.Size)

	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			c()
		}
	}()
	for _, key := range cfg.Subjects {
		s := &Subject{Measured: report.NewMeasured(key, "")}
		r.Subjects = append(r.Subjects, s)
		var cleanup func()
		switch key {
		case Unigo:
			err = unigoSubject(ctx, cfg, unigoBin, app, artifacts, s)
		case Docker:
			cleanup, err = dockerSubject(ctx, cfg, app, artifacts, s)
		}
		if cleanup != nil {
			cleanups = append(cleanups, cleanup)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.NAWhy = err.Error()
			progress("%s: n/a: %s", key, s.NAWhy)
		}
	}

	err = measure.RunRounds(ctx, cfg.Runs, r.Subjects, func(round int, s *Subject) (string, error) {
		var got []string
		err := shipOnce(ctx, artifacts, round, s, func(key string, v float64) {
			s.Add(key, v)
			if strings.HasSuffix(key, "bytes") {
				got = append(got, fmt.Sprintf("%s %s", key, report.HumanBytes(v)))
			} else {
				got = append(got, fmt.Sprintf("%s %s", key, report.DurationText(v)))
			}
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

// shipOnce gives s a fresh registry behind a counting proxy for one push
// and one pull.
func shipOnce(ctx context.Context, artifacts string, round int, s *Subject, add func(string, float64)) error {
	dir, err := os.MkdirTemp(artifacts, fmt.Sprintf("registry-%s-%d-", s.Key, round))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := registryserver.Start(dir, "")
	if err != nil {
		return err
	}
	defer srv.Stop()
	wire, err := startWireCounter(strings.Replace(srv.Addr, "localhost", "127.0.0.1", 1))
	if err != nil {
		return err
	}
	defer wire.Close()
	return s.ship(ctx, wire.Addr, add, wire)
}
