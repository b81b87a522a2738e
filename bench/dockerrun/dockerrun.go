// Package dockerrun is `unigo bench dockerrun`: `docker run --rm` of one app
// two ways on the same Docker engine, interleaved: with Docker's runc (the
// static binary in a FROM scratch image) and with `--runtime=unigo` (its
// unigo image, loaded from `unigo save`), each from launching the docker
// command to the app's first line on its output, and to its exit.
package dockerrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// Subjects, in table order.
const (
	Runc  = "runc"  // docker run --rm of the FROM scratch image
	Unigo = "unigo" // docker run --rm --runtime=RUNTIME of the unigo image
)

// Config says what Run measures and how.
type Config struct {
	Runs    int    // interleaved runs of each subject; default 10
	App     string // the app: prints a line; default ./examples/hello
	Unigo   string // the unigo binary that builds and saves the image; required
	Runtime string // the unigo runtime's name in Docker's daemon.json; default "unigo"
	// HTTP, when set, runs the app as a server on this port instead
	// (docker run -d -p): the time to its first HTTP 200, and wrk's
	// requests/s and p99 through Docker's port mapping.
	HTTPPort int
	Load     measure.Load // the load with HTTPPort; default wrk -t2 -c64 -d10s
	Out      string       // directory for results.json and the built files; required
	Timeout  time.Duration
	Progress io.Writer
}

// SetDefaults fills in what cfg leaves out and checks the rest.
func (c *Config) SetDefaults() error {
	harness.OrDefault(&c.Runs, 10)
	if c.HTTPPort > 0 {
		harness.OrDefault(&c.App, "./examples/httpd")
		harness.OrDefault(&c.Load.Threads, 2)
		harness.OrDefault(&c.Load.Conns, 64)
		harness.OrDefault(&c.Load.Duration, 10*time.Second)
	}
	harness.OrDefault(&c.App, "./examples/hello")
	harness.OrDefault(&c.Runtime, "unigo")
	harness.OrDefault(&c.Timeout, time.Minute)
	if c.Unigo == "" {
		return errors.New("no unigo binary")
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	return nil
}

var runQuantities = []measure.Quantity{
	{Key: "line", Name: "docker run to the app's first line", Unit: "s"},
	{Key: "exit", Name: "docker run to its exit (--rm done)", Unit: "s"},
}

// httpQuantities are measured with Config.HTTPPort instead.
var httpQuantities = []measure.Quantity{
	{Key: "first_200", Name: "docker run -d -p to the first HTTP 200", Unit: "s"},
	{Key: "rps", Name: "requests/s through -p", Unit: "%.0f"},
	{Key: "p99", Name: "p99 latency through -p", Unit: "s"},
	{Key: "mem_idle", Name: "memory of the container, idle (docker stats)", Unit: "bytes"},
	{Key: "mem_loaded", Name: "memory of the container after the load (docker stats)", Unit: "bytes"},
}

// Report is the result of Run, written as results.json.
type Report struct {
	report.Base
	Config   Settings   `json:"config"`
	Subjects []*Subject `json:"subjects"`
}

// Settings are the configuration the report was measured with.
type Settings struct {
	Runs     int    `json:"runs"`
	Runtime  string `json:"runtime"`
	Docker   string `json:"docker"`
	HTTPPort int    `json:"http_port,omitempty"`
	Load     string `json:"load,omitempty"`
}

// Subject holds one subject's measurements, in seconds.
type Subject struct {
	report.Measured

	image   string
	runtime []string // --runtime=NAME, or nothing for Docker's default
}

// runArgs are docker run's arguments for a run to the app's exit.
func (s *Subject) runArgs() []string {
	return append(append([]string{"run", "--rm"}, s.runtime...), s.image)
}

// serveArgs are docker run's arguments for the server on host port port
// (its placeholder in the commands shown).
func (s *Subject) serveArgs(cfg Config, port string) []string {
	args := []string{"run", "-d", "-p", "127.0.0.1:" + port + ":" + fmt.Sprint(cfg.HTTPPort), "-e", fmt.Sprintf("PORT=%d", cfg.HTTPPort)}
	return append(append(args, s.runtime...), s.image)
}

// quantities are what a run with these settings measures.
func (c Settings) quantities() []measure.Quantity {
	if c.HTTPPort > 0 {
		return httpQuantities
	}
	return runQuantities
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
	version, err := harness.DockerVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("no Docker engine answers: %v", err)
	}
	runtimes, _ := harness.Output(ctx, 10*time.Second, "docker", "info", "--format", "{{json .Runtimes}}")
	if !strings.Contains(runtimes, `"`+cfg.Runtime+`"`) {
		return nil, fmt.Errorf("Docker has no runtime %q (it has %s): register unigo runtime in /etc/docker/daemon.json as the README's 'docker run --runtime=unigo' section shows, or name it with --runtime", cfg.Runtime, runtimes)
	}
	r := &Report{Base: report.NewBase("dockerrun", began, "", cfg.App)}
	r.Config = Settings{Runs: cfg.Runs, Runtime: cfg.Runtime, Docker: version, HTTPPort: cfg.HTTPPort}
	wrk := ""
	if cfg.HTTPPort > 0 {
		if wrk, err = measure.FindWrk(""); err != nil {
			return nil, err
		}
		r.Config.Load = cfg.Load.String()
	}
	r.Notes = append(r.Notes, "each subject is the docker command a user types, run by the benchmark and watched for the app's line on its output; both images hold the same program, built once")
	app, err := r.BuildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	if cfg.HTTPPort == 0 {
		if app.Line, err = harness.FirstLine(ctx, app.Binary, 10*time.Second); err != nil {
			return nil, fmt.Errorf("app %s: %w", cfg.App, err)
		}
		r.App.Line, r.App.LineSource = app.Line, "its first line when run natively"
	}

	runcTag, removeRunc, err := harness.DockerImage(ctx, app, artifacts)
	if err != nil {
		return nil, err
	}
	defer removeRunc()
	unigoTag := strings.Replace(runcTag, "unigo-bench/", "unigo-bench/unigo-", 1)
	if err := loadUnigoImage(ctx, unigoBin, cfg, app, artifacts, unigoTag); err != nil {
		return nil, err
	}
	defer harness.Output(context.Background(), time.Minute, "docker", "rmi", "-f", unigoTag)
	progress("app %s: first line %q; images %s and %s", cfg.App, app.Line, runcTag, unigoTag)

	runc := &Subject{Measured: report.NewMeasured(Runc, "Docker "+version+" (runc)"), image: runcTag}
	runc.How = "the static binary in a FROM scratch image"
	unigo := &Subject{Measured: report.NewMeasured(Unigo, "--runtime="+cfg.Runtime), image: unigoTag, runtime: []string{"--runtime=" + cfg.Runtime}}
	unigo.How = "the app's unigo image, loaded with unigo save | docker load"
	r.Subjects = []*Subject{runc, unigo}
	once := func(s *Subject) (string, error) { return runOnce(ctx, cfg, app, s) }
	if cfg.HTTPPort > 0 {
		once = func(s *Subject) (string, error) { return serveOnce(ctx, cfg, wrk, s) }
	}
	for _, s := range r.Subjects {
		s.Commands = []string{"docker " + strings.Join(s.runArgs(), " ")}
		if cfg.HTTPPort > 0 {
			s.Commands = []string{"docker " + strings.Join(s.serveArgs(cfg, "PORT"), " "), cfg.Load.String() + " http://127.0.0.1:PORT/"}
		}
	}
	qs := r.Config.quantities()
	err = measure.RunRounds(ctx, cfg.Runs, r.Subjects, func(_ int, s *Subject) (string, error) { return once(s) }, func(i int, texts []string) {
		progress("run %d/%d: %s", i+1, cfg.Runs, strings.Join(texts, "; "))
	})
	if err != nil {
		return nil, err
	}
	for _, s := range r.Subjects {
		s.Notes = s.Summarize(s.Metrics, qs, cfg.Runs, s.Notes)
	}
	r.NoteLoad(loadBefore)
	return r, r.Finish(began, cfg.Out, r)
}

// runOnce runs docker run --rm once, to the app's line and to the exit.
func runOnce(ctx context.Context, cfg Config, app *harness.App, s *Subject) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", s.runArgs()...)
	w := harness.NewWatched(cmd, harness.LineMatcher(app.Line))
	cmd.Stdout, cmd.Stderr = w.Console(), w.Console()
	if err := w.Start(); err != nil {
		return s.Key + ": failed", err
	}
	defer w.Stop()
	line, err := w.WaitLine(cfg.Timeout)
	if err != nil {
		return s.Key + ": failed", err
	}
	exit, err := w.WaitExit(cfg.Timeout)
	if err != nil {
		return s.Key + ": failed", err
	}
	s.Add("line", line.Seconds())
	s.Add("exit", exit.Seconds())
	return fmt.Sprintf("%s: line %s, exit %s", s.Key, report.DurationText(line.Seconds()), report.DurationText(exit.Seconds())), nil
}

// serveOnce starts the server with docker run -d -p, times its first HTTP
// 200, loads it with wrk, and removes it.
func serveOnce(ctx context.Context, cfg Config, wrk string, s *Subject) (string, error) {
	port, err := harness.FreePort()
	if err != nil {
		return s.Key + ": failed", err
	}
	start := time.Now()
	id, err := harness.Output(ctx, cfg.Timeout, "docker", s.serveArgs(cfg, fmt.Sprint(port))...)
	if err != nil {
		return s.Key + ": failed", err
	}
	defer harness.Output(context.Background(), time.Minute, "docker", "rm", "-f", id)
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if err := measure.WaitHTTP(ctx, func() bool { return true }, url, start.Add(cfg.Timeout)); err != nil {
		return s.Key + ": failed", err
	}
	first := time.Since(start)
	time.Sleep(time.Second) // settled, one request served
	idle, err := containerMemory(ctx, id)
	if err != nil {
		return s.Key + ": failed", err
	}
	res, err := measure.RunWrk(ctx, wrk, url, cfg.Load)
	if err != nil {
		return s.Key + ": failed", err
	}
	loaded, err := containerMemory(ctx, id)
	if err != nil {
		return s.Key + ": failed", err
	}
	s.Add("first_200", first.Seconds())
	s.Add("rps", res.RPS)
	s.Add("p99", res.P99.Seconds())
	s.Add("mem_idle", idle)
	s.Add("mem_loaded", loaded)
	return fmt.Sprintf("%s: first 200 %s, %.0f req/s, p99 %s, memory %.1f/%.1f MiB", s.Key, report.DurationText(first.Seconds()), res.RPS, report.DurationText(res.P99.Seconds()), idle/(1<<20), loaded/(1<<20)), nil
}

// containerMemory is the container's memory as docker stats reports it
// (its cgroup's usage: for a unigo container, the container process and
// QEMU with the guest's touched RAM), in bytes.
func containerMemory(ctx context.Context, id string) (float64, error) {
	out, err := harness.Output(ctx, 30*time.Second, "docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", id)
	if err != nil {
		return 0, err
	}
	used, _, _ := strings.Cut(strings.TrimSpace(out), " /")
	return parseDockerSize(used)
}

// parseDockerSize reads a size as docker stats prints it: 12.3MiB, 980KiB,
// 1.2GiB, 512B.
func parseDockerSize(s string) (float64, error) {
	units := []struct {
		suffix string
		scale  float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"kB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			var v float64
			if _, err := fmt.Sscanf(num, "%g", &v); err != nil {
				break
			}
			return v * u.scale, nil
		}
	}
	return 0, fmt.Errorf("docker stats printed %q, not a size", s)
}

// loadUnigoImage builds the app's unigo image in a store of its own and
// loads it into Docker as tag.
func loadUnigoImage(ctx context.Context, bin string, cfg Config, app *harness.App, artifacts, tag string) error {
	env := []string{"UNIGO_ROOT=" + filepath.Join(artifacts, "unigo-root")}
	if _, _, err := harness.Timed(ctx, 5*time.Minute, env, bin, "build", "-t", tag, app.Dir); err != nil {
		return err
	}
	archive := filepath.Join(artifacts, "unigo-image.tar")
	if _, _, err := harness.Timed(ctx, cfg.Timeout, env, bin, "save", "-o", archive, tag); err != nil {
		return err
	}
	_, err := harness.Output(ctx, cfg.Timeout, "docker", "load", "-i", archive)
	return err
}
