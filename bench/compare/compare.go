// Package compare is `unigo bench compare`: it runs one app four ways on
// this machine, interleaved (A B C D A B C D ...):
//
//   - native: the plain static `go build` as a host process;
//   - container: the same binary in a `FROM scratch` image run by the
//     Docker engine, or, without one, in a minimal OCI bundle run by runc;
//   - linux: the same binary as /init of Debian's cloud kernel in QEMU
//     (the Linux microVM of the boot benchmark);
//   - unigo: the unigo image of the app, in the same QEMU, booted through
//     the launch layer as `unigo run` boots it;
//   - on request, unigo-exec: the unigo image that boots the same plain
//     binary unmodified (`unigo build --exec`), booted the same way.
//
// It reports time to the first line (and to the first HTTP response),
// requests/s and p99 latency under a bounded load, the artifact's size, the
// least memory it runs in, the host memory an idle instance holds, and its
// attack surface.
package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/hostnet"
)

// Config says what Run measures and how.
type Config struct {
	App      string   // directory of the Go main package; required
	HTTPPort int      // the port the app serves HTTP on (also given as $PORT); 0: no HTTP measurements
	Runs     int      // interleaved runs of each subject; default 10
	Out      string   // directory for results.json, chart.svg and built files; required
	Subjects []string // subset of harness.Native, Container, Linux, Unigo, UnigoExec; default all but UnigoExec
	Runtime  string   // container runtime: auto (default), docker, runc
	Line     string   // the app's first output line; default: learnt by running it natively

	Machine string // QEMU machine type: microvm (default) or pc
	Accel   string // tcg (default), kvm, or auto
	MemMiB  int    // memory of the VMs' timed runs, and the top of the memory searches; default 256
	Timeout time.Duration

	SkipMemory    bool
	MemoryConfirm int           // default 2
	MemoryBudget  time.Duration // default 90 s per subject

	IdleApp string        // app that prints a line and idles (without --http); default ./examples/idle; "-" skips
	Settle  time.Duration // how long an idle instance runs before its memory is read; default 1 s

	LoadDuration  time.Duration // length of the HTTP load of each run (wrk -d); default 10 s
	LoadThreads   int           // wrk's threads (-t); default 2
	LoadConns     int           // wrk's connections (-c); default 64
	Wrk           string        // the wrk binary; default "wrk" from $PATH
	ServeRequests int           // requests a VM must answer in the memory search to count as serving; default 20

	// Tap, when set, puts both VMs' cards on the host's tap device of that
	// name (`unigo run --net tap:NAME --ip GuestIP`) instead of QEMU's
	// user network with a forwarded port; the load goes to GuestIP.
	Tap     string
	GuestIP string // ADDR/PREFIX; default DefaultGuestIP

	LinuxCacheDir string
	Build         harness.BuildFunc
	Progress      io.Writer
}

// DefaultGuestIP is the VMs' address with Tap: README "Networking on a tap
// device" gives the bridge 192.168.100.1/24.
const DefaultGuestIP = "192.168.100.10/24"

// network names the VMs' network for results.json: "user", or
// "tap:NAME ADDR/PREFIX".
func (c *Config) network() string {
	if c.Tap != "" {
		return "tap:" + c.Tap + " " + c.GuestIP
	}
	return "user"
}

// SetDefaults fills in what cfg leaves out and checks the rest.
func (c *Config) SetDefaults() error {
	if c.App == "" {
		return errors.New("no app: give the directory of a Go main package")
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	harness.OrDefault(&c.Runs, 10)
	if c.Tap != "" && c.GuestIP == "" {
		c.GuestIP = DefaultGuestIP
	}
	if len(c.Subjects) == 0 {
		c.Subjects = []string{harness.Native, harness.Container, harness.Linux, harness.Unigo}
	}
	if err := harness.CheckSubjects(&c.Subjects, harness.Native, harness.Container, harness.Linux, harness.Unigo, harness.UnigoExec); err != nil {
		return err
	}
	switch c.Runtime {
	case "":
		c.Runtime = harness.RuntimeAuto
	case harness.RuntimeAuto, harness.RuntimeDocker, harness.RuntimeRunc:
	default:
		return fmt.Errorf("container runtime %q: want auto, docker or runc", c.Runtime)
	}
	if c.HTTPPort < 0 || c.HTTPPort > 65535 {
		return fmt.Errorf("HTTP port %d: want 1–65535", c.HTTPPort)
	}
	if err := harness.VMDefaults(&c.Machine, &c.Accel, &c.MemMiB); err != nil {
		return err
	}
	harness.OrDefault(&c.Timeout, 30*time.Second)
	harness.OrDefault(&c.MemoryConfirm, 2)
	harness.OrDefault(&c.MemoryBudget, 90*time.Second)
	harness.OrDefault(&c.IdleApp, "./examples/idle")
	if err := harness.LinuxCacheDefault(&c.LinuxCacheDir); err != nil {
		return err
	}
	harness.OrDefault(&c.Settle, time.Second)
	harness.OrDefault(&c.LoadDuration, 10*time.Second)
	harness.OrDefault(&c.LoadThreads, 2)
	harness.OrDefault(&c.LoadConns, 64)
	harness.OrDefault(&c.ServeRequests, 20)
	if c.LoadConns < c.LoadThreads {
		return fmt.Errorf("HTTP load: %d connections for %d threads: wrk needs at least one connection per thread", c.LoadConns, c.LoadThreads)
	}
	if c.HTTPPort > 0 {
		wrk, err := measure.FindWrk(c.Wrk)
		if err != nil {
			return err
		}
		c.Wrk = wrk
	}
	return nil
}

// Report is the result of Run, written as results.json.
type Report struct {
	report.Base
	Config   Settings   `json:"config"`
	Subjects []*Subject `json:"subjects"`
}

// Settings are the configuration the report was measured with.
type Settings struct {
	Runs         int     `json:"runs"`
	HTTPPort     int     `json:"http_port,omitempty"`
	Machine      string  `json:"machine"`
	Accel        string  `json:"accel"`
	CPU          string  `json:"cpu"`
	MemMiB       int     `json:"mem_mib"`
	Runtime      string  `json:"container_runtime"`
	Timeout      float64 `json:"timeout_s"`
	LoadDuration float64 `json:"load_duration_s,omitempty"`
	LoadThreads  int     `json:"load_threads,omitempty"`
	LoadConns    int     `json:"load_connections,omitempty"`
	LoadCommand  string  `json:"load_command,omitempty"`
	Network      string  `json:"network,omitempty"` // the VMs' card with --http: "user", or "tap:NAME ADDR/PREFIX"
	Interleaved  bool    `json:"interleaved"`
}

// Subject is one way of running the app: every measurement of it, and
// what runs it.
type Subject struct {
	Key     string         `json:"key"`
	Label   string         `json:"label"`
	How     string         `json:"how,omitempty"`
	Command []string       `json:"command,omitempty"`
	Parts   []harness.Part `json:"parts,omitempty"`

	FirstLine   measure.Metric `json:"first_line_s"`
	FirstHTTP   measure.Metric `json:"first_http_response_s"`
	RequestsPS  measure.Metric `json:"requests_per_s"`
	P50         measure.Metric `json:"p50_ms"`
	P99         measure.Metric `json:"p99_ms"`
	Artifact    measure.Metric `json:"artifact_bytes"`
	LeastMemory measure.Metric `json:"least_memory_mib"`
	IdleRSS     measure.Metric `json:"idle_rss_mib"`
	Syscalls    measure.Metric `json:"syscalls"`
	Executables measure.Metric `json:"executables"`
	Shell       measure.Metric `json:"shell"` // 1 yes, 0 no

	Notes []string `json:"notes,omitempty"`

	// How the subject runs an app (subjects.go, containers.go): its
	// artifact, and the parts of its attack surface that depend on the way
	// it runs rather than on the artifact.
	prepare  func(ctx context.Context, app *harness.App) (*artifact, error)
	surface  func(s *Subject)                                                // executables and shell: what the artifact holds
	syscalls func(ctx context.Context, idle *harness.Watched) measure.Metric // idle may be nil

	art             *artifact // the app, ready to run
	measure.Samples `json:"-"`
	loadErrRuns     int    // runs in which wrk counted errors
	loadErrText     string // the first of them, as wrk said it
}

// The samples of a run.
const (
	toLine = "first_line"
	toHTTP = "first_http"
	rps    = "requests_per_s"
	p50    = "p50"
	p99    = "p99"
)

// metrics returns the result's metrics with their names, in table order.
func (r *Subject) metrics() []namedMetric {
	return []namedMetric{
		{"first_line", &r.FirstLine}, {"first_http", &r.FirstHTTP}, {"requests_per_s", &r.RequestsPS},
		{"p50", &r.P50}, {"p99", &r.P99}, {"artifact", &r.Artifact}, {"least_memory", &r.LeastMemory},
		{"idle_rss", &r.IdleRSS}, {"syscalls", &r.Syscalls}, {"executables", &r.Executables},
		{"shell", &r.Shell},
	}
}

type namedMetric struct {
	name string
	m    *measure.Metric
}

// Run runs the compare benchmark and writes results.json and chart.svg
// into cfg.Out.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.SetDefaults(); err != nil {
		return nil, err
	}
	if cfg.Tap != "" {
		// Before anything is built: QEMU would make a missing tap device
		// itself, on no network, and every HTTP run would time out.
		if err := hostnet.CheckTap(cfg.Tap); err != nil {
			return nil, err
		}
	}
	began := time.Now()
	progress := harness.Progress(cfg.Progress)
	artifacts, err := filepath.Abs(filepath.Join(cfg.Out, "artifacts"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		return nil, err
	}
	e := &env{cfg: &cfg, dir: artifacts, progress: progress, servers: map[string]harness.VM{}}
	defer e.cleanup()

	if _, err := harness.FindQEMU(); err == nil {
		if e.m, err = harness.NewMachine(cfg.Machine, cfg.Accel, filepath.Join(artifacts, "unigo-root")); err != nil {
			return nil, err
		}
		cfg.Accel = e.m.Accel.Name
	} else {
		e.noQEMU = harness.NoQEMU
	}

	r := &Report{
		Base: report.NewBase("compare", began, e.m.QEMU, cfg.App),
		Config: Settings{Runs: cfg.Runs, HTTPPort: cfg.HTTPPort, Machine: cfg.Machine, Accel: cfg.Accel,
			CPU: e.m.Accel.CPU, MemMiB: cfg.MemMiB, Runtime: cfg.Runtime, Timeout: cfg.Timeout.Seconds(), Interleaved: true},
	}
	if cfg.HTTPPort > 0 {
		r.Config.LoadDuration, r.Config.LoadThreads, r.Config.LoadConns = cfg.LoadDuration.Seconds(), cfg.LoadThreads, cfg.LoadConns
		r.Config.LoadCommand = cfg.load().String()
		r.Config.Network = cfg.network()
	}
	e.linux = &harness.LinuxBaseline{CacheDir: cfg.LinuxCacheDir, TSCKHz: r.Host.TSCKHz, TSCSource: r.Host.TSCSource}
	r.Notes = notes(cfg)

	app, err := r.BuildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	if r.App.LineSource, err = harness.LearnLine(ctx, app, cfg.Line, cfg.HTTPPort); err != nil {
		return nil, fmt.Errorf("app %s: %w", cfg.App, err)
	}
	r.App.Line = app.Line
	progress("app %s: %d bytes built plain; watching for %q", cfg.App, app.Size, app.Line)

	// Make each subject's artifact and run it once, untimed.
	for _, key := range cfg.Subjects {
		s := e.subject(ctx, key)
		r.Subjects = append(r.Subjects, s)
		if !s.CanRun() {
			progress("%s: n/a: %s", s.Label, s.NAWhy)
			continue
		}
		a, err := s.prepare(ctx, app)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.NAWhy = err.Error()
			progress("%s: n/a: %s", s.Label, s.NAWhy)
			continue
		}
		s.art = a
		s.How, s.Parts, s.Command = a.How, a.Parts, a.command
		s.Notes = append(s.Notes, a.Notes...)
		s.Artifact = a.size()
		if cfg.HTTPPort > 0 && a.noNetwork != "" {
			s.NAWhy = a.noNetwork
			progress("%s: n/a: %s", s.Label, s.NAWhy)
			continue
		}
		if _, err := runOnce(ctx, cfg, a); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.NAWhy = "does not run: " + err.Error()
			progress("%s: n/a: %s", s.Label, s.NAWhy)
		}
	}

	if err := e.sameNetwork(ctx); err != nil {
		return nil, err
	}

	// The timed runs, interleaved.
	err = measure.RunRounds(ctx, cfg.Runs, r.Subjects, func(_ int, s *Subject) (string, error) {
		o, err := runOnce(ctx, cfg, s.art)
		if err != nil {
			return s.Key + " failed", err
		}
		return s.add(cfg, o), nil
	}, func(i int, texts []string) {
		progress("run %d/%d: %s", i+1, cfg.Runs, strings.Join(texts, "  "))
	})
	if err != nil {
		return nil, err
	}
	for _, s := range r.Subjects {
		s.summarize(cfg)
	}

	// The least memory each runs in.
	for _, s := range r.Subjects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.leastMemory(ctx, cfg)
		if s.CanRun() {
			progress("%s: least memory: %s", s.Label, report.MetricText(s.LeastMemory, "%.1f MiB"))
		}
	}

	// An idle instance: its host memory and, for host processes, the
	// seccomp filter it runs under.
	idle := app
	if cfg.HTTPPort == 0 && cfg.IdleApp != "-" {
		r.App.IdleApp = cfg.IdleApp
		idle, err = harness.BuildApp(ctx, cfg.IdleApp, artifacts)
		if err == nil {
			_, err = harness.LearnLine(ctx, idle, "", 0)
		}
		if err != nil {
			idle = nil
			err = fmt.Errorf("idle app %s: %w", cfg.IdleApp, err)
		}
	}
	for _, s := range r.Subjects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.idleAndSurface(ctx, e, idle, err)
		progress("%s: idle RSS %s, system calls %s, executables %s, shell %s", s.Label,
			report.MetricText(s.IdleRSS, "%.1f MiB"), report.MetricText(s.Syscalls, "%.0f"),
			report.MetricText(s.Executables, "%.0f"), shellText(s.Shell))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	if err := r.Finish(began, cfg.Out, r); err != nil {
		return r, err
	}
	if err := r.chart().Write(filepath.Join(cfg.Out, "chart.svg")); err != nil {
		return r, err
	}
	return r, nil
}

func notes(cfg Config) []string {
	var order []string
	for _, k := range cfg.Subjects {
		order = append(order, harness.Labels[k])
	}
	notes := []string{
		fmt.Sprintf("runs are interleaved (%s, %s, …); medians with min–max", strings.Join(order, ", "), order[0]),
		"to first line: from starting the process (the app; docker run or runc run; QEMU) to the app's first line reaching the host",
		"artifact: what each way ships: the binary; the container image (docker image inspect .Size) or the bundle's root file system; vmlinux + initramfs; the unigo image (with --exec: the kernel of unmodified executables and the binary in its root)",
		"least memory: the least memory the app prints its line in (with --http: serves, see below): VMs: QEMU's -m; containers: the container's memory limit (Docker refuses less than 6 MiB); native: the limit of a memory cgroup the benchmark runs the process in. A cgroup's limit counts what the kernel charges to it (the app's memory, page cache it reads, kernel objects); a VM's -m holds a whole kernel too",
		"idle RSS: resident memory on the host of an idle instance after it printed its line: the process; the app plus its per-container runtime process (containerd-shim or runc), not the shared Docker daemons; QEMU's whole process, which holds the guest's touched RAM",
		"system calls: what the app can reach in the kernel under it: for Linux, the calls the kernel has compiled in (its sys_enter tracepoints), narrowed by the app's seccomp filter when it has one; for unigo, its implemented table",
		"executables: programs in the artifact (files with an execute bit that are ELF files or #! scripts); shell: whether a shell is there for the app (or an attacker) to execute",
	}
	if cfg.HTTPPort > 0 {
		vms := "for both VMs by the same QEMU user-network hostfwd and virtio-net device, vmm's own, as `unigo run -p` gives them"
		if cfg.Tap != "" {
			vms = fmt.Sprintf("both VMs on %s with the same virtio-net device, vmm's own, as `unigo run --net tap:%s --ip %s` gives it", netName(&cfg), cfg.Tap, cfg.GuestIP)
		}
		notes = append(notes, fmt.Sprintf("HTTP: GET / on the app's port %d (forwarded from a loopback port for Docker, and %s); first response: from starting the process (the app; docker run or runc run; QEMU) to the first 200", cfg.HTTPPort, vms),
			fmt.Sprintf("load: `%s` on the same host (it shares the CPUs with the server); requests/s and the p50/p99 latency are wrk's", cfg.load()),
			fmt.Sprintf("least memory with --http: the least memory in which the app answers its first request and then %d more, one after the other", cfg.ServeRequests))
	}
	return notes
}

// load is the wrk run of each timed run.
func (c *Config) load() measure.Load {
	return measure.Load{Threads: c.LoadThreads, Conns: c.LoadConns, Duration: c.LoadDuration}
}

// outcome is what one timed run measured.
type outcome struct {
	firstLine time.Duration
	firstHTTP time.Duration
	load      measure.LoadResult
}

// runOnce runs the app once: to its line, then (HTTP) to its first good
// response and through the load, then to its exit or stop.
func runOnce(ctx context.Context, cfg Config, a *artifact) (o outcome, err error) {
	w, err := a.start(ctx, 0, cfg.HTTPPort)
	if err != nil {
		return o, err
	}
	defer w.Stop()
	deadline := time.Now().Add(cfg.Timeout)
	if o.firstLine, err = w.WaitLine(cfg.Timeout); err != nil {
		return o, err
	}
	if cfg.HTTPPort > 0 {
		url := "http://" + w.Addr + "/"
		if err := measure.WaitHTTP(ctx, w.Running, url, deadline); err != nil {
			return o, err
		}
		o.firstHTTP = time.Since(w.Started())
		if o.load, err = measure.RunWrk(ctx, cfg.Wrk, url, cfg.load()); err != nil {
			return o, err
		}
	} else {
		// Let it end by itself (a hello), briefly.
		_, _ = w.WaitExit(min(time.Until(deadline), 3*o.firstLine+time.Second))
	}
	return o, nil
}

// add records a timed run's outcome and returns the subject's text for
// the round's progress line.
func (s *Subject) add(cfg Config, o outcome) string {
	s.Add(toLine, o.firstLine.Seconds())
	text := fmt.Sprintf("%s %.3fs", s.Key, o.firstLine.Seconds())
	if cfg.HTTPPort > 0 {
		s.Add(toHTTP, o.firstHTTP.Seconds())
		s.Add(rps, o.load.RPS)
		s.Add(p50, o.load.P50.Seconds()*1000)
		s.Add(p99, o.load.P99.Seconds()*1000)
		text += fmt.Sprintf("/%.3fs %.0f req/s p99 %.1fms", o.firstHTTP.Seconds(), o.load.RPS, o.load.P99.Seconds()*1000)
		if o.load.Errors > 0 {
			s.loadErrRuns++
			if s.loadErrText == "" {
				s.loadErrText = o.load.ErrText
			}
			text += fmt.Sprintf(" (%d errors)", o.load.Errors)
		}
	}
	return text
}

// summarize turns a subject's samples into metrics.
func (s *Subject) summarize(cfg Config) {
	httpNA := "n/a: not measured: no --http PORT given"
	if !s.CanRun() {
		na := "n/a: " + s.NAWhy
		s.FirstLine = measure.NA("s", "%s", na)
		s.setHTTPNA(na)
		if cfg.HTTPPort == 0 {
			s.setHTTPNA(httpNA)
		}
		if !s.Artifact.OK() {
			s.Artifact = measure.NA("bytes", "%s", na)
		}
		return
	}
	s.FirstLine = measure.FromSamples("s", s.Of(toLine))
	if cfg.HTTPPort > 0 {
		s.FirstHTTP, s.RequestsPS = measure.FromSamples("s", s.Of(toHTTP)), measure.FromSamples("req/s", s.Of(rps))
		s.P50, s.P99 = measure.FromSamples("ms", s.Of(p50)), measure.FromSamples("ms", s.Of(p99))
		if s.loadErrRuns > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("wrk counted errors in %d of %d timed runs (they are not in the rate or the latencies); the first: %s", s.loadErrRuns, len(s.Of(rps)), s.loadErrText))
		}
	} else {
		s.setHTTPNA(httpNA)
	}
	if s.Fails > 0 {
		note := fmt.Sprintf("%d of %d timed runs failed; the first: %s", s.Fails, cfg.Runs, s.Failed)
		s.Notes = append(s.Notes, note)
		if len(s.Of(toLine)) == 0 {
			s.FirstLine = measure.NA("s", "n/a: %s", note)
			if cfg.HTTPPort > 0 {
				s.setHTTPNA("n/a: " + note)
			}
		}
	}
}

// setHTTPNA marks every HTTP measurement n/a for why.
func (s *Subject) setHTTPNA(why string) {
	s.FirstHTTP, s.RequestsPS = measure.NA("s", "%s", why), measure.NA("req/s", "%s", why)
	s.P50, s.P99 = measure.NA("ms", "%s", why), measure.NA("ms", "%s", why)
}

// leastMemory searches the least memory limit the app runs under.
func (s *Subject) leastMemory(ctx context.Context, cfg Config) {
	switch {
	case !s.CanRun():
		s.LeastMemory = measure.NA("MiB", "n/a: %s", s.NAWhy)
	case s.art.memory == nil:
		s.LeastMemory = measure.NA("MiB", "%s", s.art.memoryNA)
	case cfg.SkipMemory:
		s.LeastMemory = measure.NA("MiB", "not measured (memory search skipped)")
	case !s.FirstLine.OK():
		s.LeastMemory = measure.NA("MiB", "not measured: no successful timed run")
	default:
		slowest := *s.FirstLine.Max
		if cfg.HTTPPort > 0 && s.FirstHTTP.OK() {
			slowest = *s.FirstHTTP.Max
		}
		probe := max(2*time.Second, time.Duration(3*slowest*float64(time.Second)))
		search := *s.art.memory
		search.Hi, search.Probe, search.Confirm, search.Budget = cfg.MemMiB, probe, cfg.MemoryConfirm, cfg.MemoryBudget
		if cfg.HTTPPort > 0 {
			search.Test = fmt.Sprintf("answered %d requests", cfg.ServeRequests+1)
		}
		s.LeastMemory = search.Run(ctx, func(mib int) bool {
			return s.runsIn(ctx, cfg, mib, probe)
		})
	}
}

// runsIn reports whether the app, limited to mib, prints its line within
// probe and, with --http, then answers its first request and
// cfg.ServeRequests more.
func (s *Subject) runsIn(ctx context.Context, cfg Config, mib int, probe time.Duration) bool {
	w, err := s.art.start(ctx, mib, cfg.HTTPPort)
	if err != nil {
		return false
	}
	defer w.Stop()
	deadline := time.Now().Add(probe)
	if _, err = w.WaitLine(probe); err != nil || cfg.HTTPPort == 0 {
		return err == nil
	}
	url := "http://" + w.Addr + "/"
	if err := measure.WaitHTTP(ctx, w.Running, url, deadline); err != nil {
		return false
	}
	return measure.ServeRequests(ctx, url, cfg.ServeRequests, probe) == nil
}

// idleAndSurface runs the idle app (or the HTTP app, which idles once it
// listens) and reads its host memory and attack surface.
func (s *Subject) idleAndSurface(ctx context.Context, e *env, idleApp *harness.App, idleErr error) {
	cfg := e.cfg
	if !s.CanRun() && s.art == nil {
		na := "n/a: " + s.NAWhy
		s.IdleRSS, s.Syscalls, s.Executables, s.Shell = measure.NA("MiB", "%s", na), measure.NA("calls", "%s", na), measure.NA("files", "%s", na), measure.NA("bool", "%s", na)
		return
	}
	// What the artifact holds does not need it to run.
	s.surface(s)

	var w *harness.Watched
	switch {
	case !s.CanRun():
		s.IdleRSS = measure.NA("MiB", "n/a: %s", s.NAWhy)
	case cfg.HTTPPort == 0 && cfg.IdleApp == "-":
		s.IdleRSS = measure.NA("MiB", "not measured (idle measurement skipped)")
	case idleApp == nil:
		s.IdleRSS = measure.NA("MiB", "n/a: %v", idleErr)
	default:
		a := s.art
		if idleApp != nil && cfg.HTTPPort == 0 {
			var err error
			if a, err = s.prepare(ctx, idleApp); err != nil {
				s.IdleRSS = measure.NA("MiB", "n/a: preparing the idle app: %v", err)
				break
			}
		}
		var err error
		w, err = a.start(ctx, 0, cfg.HTTPPort)
		if err == nil {
			if _, err = w.WaitLine(cfg.Timeout); err == nil {
				select {
				case <-time.After(cfg.Settle):
				case <-ctx.Done():
				}
				if !w.Running() {
					err = errors.New("the idle app exited instead of idling")
				}
			}
		}
		if err != nil {
			s.IdleRSS = measure.NA("MiB", "n/a: %v", err)
			break
		}
		rss, what, err := w.RSS()
		if err != nil {
			s.IdleRSS = measure.NA("MiB", "n/a: %v", err)
		} else {
			s.IdleRSS = measure.Value("MiB", float64(rss)/(1<<20))
			s.IdleRSS.Note = fmt.Sprintf("VmRSS of %s, %v after the idle app printed its line", what, cfg.Settle)
		}
	}
	if !s.Syscalls.OK() && s.Syscalls.NA == "" {
		s.Syscalls = s.syscalls(ctx, w)
	}
	if w != nil {
		w.Stop()
	}
}

func shellText(m measure.Metric) string {
	if !m.OK() {
		return m.NA
	}
	if *m.Value != 0 {
		return "yes"
	}
	return "no"
}
