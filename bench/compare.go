package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/vmm/qemu"
)

// The compare benchmark (RunCompare) runs one app four ways on this
// machine, interleaved (A B C D A B C D ...):
//
//   - Native: the plain static `go build` as a host process;
//   - Container: the same binary in a `FROM scratch` image run by the
//     Docker engine, or, without one, in a minimal OCI bundle run by runc;
//   - Linux: the same binary as /init of Debian's cloud kernel in QEMU
//     (the Linux microVM of the boot benchmark);
//   - Unigo: the unigo image of the app, in the same QEMU.
//
// It reports time to the first line (and to the first HTTP response),
// requests/s and p99 latency under a bounded load, the artifact's size, the
// least memory it runs in, the host memory an idle instance holds, and its
// attack surface.
const (
	Native    = "native"
	Container = "container"
)

// Container runtimes.
const (
	RuntimeAuto   = "auto"   // Docker if the engine answers, else runc
	RuntimeDocker = "docker" // the Docker engine
	RuntimeRunc   = "runc"   // runc with a minimal OCI bundle
)

// CompareConfig says what RunCompare measures and how.
type CompareConfig struct {
	App      string // directory of the Go main package; required
	HTTPPort int    // the port the app serves HTTP on (also given as $PORT); 0: no HTTP measurements
	Runs     int    // interleaved runs of each subject; default 10
	Out      string // directory for results.json, chart.svg and built files; required
	Subjects []string
	Runtime  string // container runtime: auto (default), docker, runc
	Line     string // the app's first output line; default: learnt by running it natively

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

	QEMU          string
	LinuxCacheDir string
	Build         BuildFunc
	Progress      io.Writer
}

// DefaultGuestIP is the VMs' address with Tap: README "Networking on a tap
// device" gives the bridge 192.168.100.1/24.
const DefaultGuestIP = "192.168.100.10/24"

// network names the VMs' network for results.json: "user", or
// "tap:NAME ADDR/PREFIX".
func (c *CompareConfig) network() string {
	if c.Tap != "" {
		return "tap:" + c.Tap + " " + c.GuestIP
	}
	return "user"
}

func (c *CompareConfig) setDefaults() error {
	if c.App == "" {
		return errors.New("no app: give the directory of a Go main package")
	}
	if c.Out == "" {
		return errNoOut
	}
	orDefault(&c.Runs, 10)
	if c.Tap != "" && c.GuestIP == "" {
		c.GuestIP = DefaultGuestIP
	}
	if err := checkSubjects(&c.Subjects, Native, Container, Linux, Unigo); err != nil {
		return err
	}
	switch c.Runtime {
	case "":
		c.Runtime = RuntimeAuto
	case RuntimeAuto, RuntimeDocker, RuntimeRunc:
	default:
		return fmt.Errorf("container runtime %q: want auto, docker or runc", c.Runtime)
	}
	if c.HTTPPort < 0 || c.HTTPPort > 65535 {
		return fmt.Errorf("HTTP port %d: want 1–65535", c.HTTPPort)
	}
	boot := BootConfig{Machine: c.Machine, Accel: c.Accel, MemMiB: c.MemMiB, Timeout: c.Timeout,
		MemoryConfirm: c.MemoryConfirm, MemoryBudget: c.MemoryBudget, QEMU: c.QEMU,
		LinuxCacheDir: c.LinuxCacheDir, App: c.App, Out: c.Out, IdleApp: c.IdleApp}
	if err := boot.setDefaults(); err != nil {
		return err
	}
	c.Machine, c.Accel, c.MemMiB, c.Timeout = boot.Machine, boot.Accel, boot.MemMiB, boot.Timeout
	c.MemoryConfirm, c.MemoryBudget, c.QEMU, c.LinuxCacheDir = boot.MemoryConfirm, boot.MemoryBudget, boot.QEMU, boot.LinuxCacheDir
	c.IdleApp = boot.IdleApp
	if c.Settle <= 0 {
		c.Settle = time.Second
	}
	if c.LoadDuration <= 0 {
		c.LoadDuration = 10 * time.Second
	}
	orDefault(&c.LoadThreads, 2)
	orDefault(&c.LoadConns, 64)
	orDefault(&c.ServeRequests, 20)
	if c.LoadConns < c.LoadThreads {
		return fmt.Errorf("HTTP load: %d connections for %d threads: wrk needs at least one connection per thread", c.LoadConns, c.LoadThreads)
	}
	if c.HTTPPort > 0 {
		wrk, err := findWrk(c.Wrk)
		if err != nil {
			return err
		}
		c.Wrk = wrk
	}
	return nil
}

var compareLabels = map[string]string{
	Native:    "native process",
	Container: "container",
	Linux:     "Linux microVM",
	Unigo:     "unigo",
}

// CompareReport is the result of RunCompare, written as results.json.
type CompareReport struct {
	reportBase
	Config   CompareSettings    `json:"config"`
	Subjects []*ContenderResult `json:"subjects"`
}

// CompareSettings is the configuration the report was measured with.
type CompareSettings struct {
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

// ContenderResult holds every measurement of one way of running the app.
type ContenderResult struct {
	Key     string   `json:"key"`
	Label   string   `json:"label"`
	How     string   `json:"how,omitempty"`
	Command []string `json:"command,omitempty"`
	Parts   []part   `json:"parts,omitempty"`

	FirstLine   Metric `json:"first_line_s"`
	FirstHTTP   Metric `json:"first_http_response_s"`
	RequestsPS  Metric `json:"requests_per_s"`
	P50         Metric `json:"p50_ms"`
	P99         Metric `json:"p99_ms"`
	Artifact    Metric `json:"artifact_bytes"`
	LeastMemory Metric `json:"least_memory_mib"`
	IdleRSS     Metric `json:"idle_rss_mib"`
	Syscalls    Metric `json:"syscalls"`
	Executables Metric `json:"executables"`
	Shell       Metric `json:"shell"` // 1 yes, 0 no

	Notes []string `json:"notes,omitempty"`
}

// metrics returns the result's metrics with their names, in table order.
func (r *ContenderResult) metrics() []namedMetric {
	return []namedMetric{
		{"first_line", &r.FirstLine}, {"first_http", &r.FirstHTTP}, {"requests_per_s", &r.RequestsPS},
		{"p50", &r.P50}, {"p99", &r.P99}, {"artifact", &r.Artifact}, {"least_memory", &r.LeastMemory},
		{"idle_rss", &r.IdleRSS}, {"syscalls", &r.Syscalls}, {"executables", &r.Executables},
		{"shell", &r.Shell},
	}
}

type namedMetric struct {
	name string
	m    *Metric
}

// subjectRun is one contender during a run: what it runs and its samples.
type subjectRun struct {
	res   *ContenderResult
	c     contender
	app   *runnable // the app, ready to run
	naWhy string    // set when it cannot run the app at all

	line, http, rps, p50, p99 []float64
	fails                     int
	failed                    string
	loadErrRuns               int    // runs in which wrk counted errors
	loadErrText               string // the first of them, as wrk said it
}

func (s *subjectRun) ok() bool { return s.naWhy == "" }

// RunCompare runs the compare benchmark and writes results.json and
// chart.svg into cfg.Out.
func RunCompare(ctx context.Context, cfg CompareConfig) (*CompareReport, error) {
	if err := cfg.setDefaults(); err != nil {
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
	progress := progressTo(cfg.Progress)
	artifacts, err := filepath.Abs(filepath.Join(cfg.Out, "artifacts"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		return nil, err
	}
	env := &compareEnv{cfg: &cfg, dir: artifacts, progress: progress, servers: map[string]bootSpec{}}
	defer env.cleanup()

	qemuBin, qerr := exec.LookPath(cfg.QEMU)
	if qerr == nil {
		accel, err := qemu.ChooseAccel(cfg.Accel)
		if err != nil {
			return nil, err
		}
		env.m = machine{QEMU: qemuBin, Type: cfg.Machine, Accel: accel}
		if err := env.m.check(); err != nil {
			return nil, err
		}
		cfg.Accel = accel.Name
	} else {
		env.noQEMU = fmt.Sprintf("QEMU (%s) is not installed: install the qemu-system-x86 package", cfg.QEMU)
	}

	r := &CompareReport{
		reportBase: newReportBase("compare", began, qemuBin, cfg.App),
		Config: CompareSettings{Runs: cfg.Runs, HTTPPort: cfg.HTTPPort, Machine: cfg.Machine, Accel: cfg.Accel,
			CPU: env.m.Accel.CPU, MemMiB: cfg.MemMiB, Runtime: cfg.Runtime, Timeout: cfg.Timeout.Seconds(), Interleaved: true},
	}
	if cfg.HTTPPort > 0 {
		r.Config.LoadDuration, r.Config.LoadThreads, r.Config.LoadConns = cfg.LoadDuration.Seconds(), cfg.LoadThreads, cfg.LoadConns
		r.Config.LoadCommand = cfg.load().String()
		r.Config.Network = cfg.network()
	}
	env.tscKHz, env.tscSource = r.Host.TSCKHz, r.Host.TSCSource
	r.Notes = compareNotes(cfg)

	app, err := r.buildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	if err := learnLineEnv(ctx, app, cfg.Line, cfg.HTTPPort, &r.App.LineSource); err != nil {
		return nil, fmt.Errorf("app %s: %w", cfg.App, err)
	}
	r.App.Line = app.Line
	progress("app %s: %d bytes built plain; watching for %q", cfg.App, app.Size, app.Line)

	// Prepare each subject and run it once, untimed.
	var subjects []*subjectRun
	for _, key := range cfg.Subjects {
		c := env.contender(ctx, key)
		s := &subjectRun{res: &ContenderResult{Key: key, Label: compareLabels[key]}, c: c}
		r.Subjects = append(r.Subjects, s.res)
		subjects = append(subjects, s)
		if c.label != "" {
			s.res.Label = c.label
		}
		if c.naWhy != "" {
			s.naWhy = c.naWhy
			progress("%s: n/a: %s", s.res.Label, s.naWhy)
			continue
		}
		a, err := c.prepare(ctx, app)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.naWhy = err.Error()
			progress("%s: n/a: %s", s.res.Label, s.naWhy)
			continue
		}
		s.app = a
		s.res.How, s.res.Parts, s.res.Command = a.how, a.parts, a.command
		s.res.Notes = append(s.res.Notes, a.notes...)
		s.res.Artifact = a.size()
		if cfg.HTTPPort > 0 && a.noNetwork != "" {
			s.naWhy = a.noNetwork
			progress("%s: n/a: %s", s.res.Label, s.naWhy)
			continue
		}
		if _, err := runOnce(ctx, cfg, s.app); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.naWhy = "does not run: " + err.Error()
			progress("%s: n/a: %s", s.res.Label, s.naWhy)
		}
	}

	if err := env.sameNetwork(); err != nil {
		return nil, err
	}

	// The timed runs, interleaved.
	for i := range cfg.Runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var line []string
		for _, s := range subjects {
			if !s.ok() {
				continue
			}
			o, err := runOnce(ctx, cfg, s.app)
			if err != nil {
				s.fails++
				if s.failed == "" {
					s.failed = err.Error()
				}
				line = append(line, s.res.Key+" failed")
				continue
			}
			s.line = append(s.line, o.firstLine.Seconds())
			text := fmt.Sprintf("%s %.3fs", s.res.Key, o.firstLine.Seconds())
			if cfg.HTTPPort > 0 {
				s.http = append(s.http, o.firstHTTP.Seconds())
				s.rps = append(s.rps, o.load.RPS)
				s.p50 = append(s.p50, o.load.P50.Seconds()*1000)
				s.p99 = append(s.p99, o.load.P99.Seconds()*1000)
				text += fmt.Sprintf("/%.3fs %.0f req/s p99 %.1fms", o.firstHTTP.Seconds(), o.load.RPS, o.load.P99.Seconds()*1000)
				if o.load.Errors > 0 {
					s.loadErrRuns++
					if s.loadErrText == "" {
						s.loadErrText = o.load.ErrText
					}
					text += fmt.Sprintf(" (%d errors)", o.load.Errors)
				}
			}
			line = append(line, text)
		}
		progress("run %d/%d: %s", i+1, cfg.Runs, strings.Join(line, "  "))
	}
	for _, s := range subjects {
		s.summarize(cfg)
	}

	// The least memory each runs in.
	for _, s := range subjects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.leastMemory(ctx, cfg)
		if s.ok() {
			progress("%s: least memory: %s", s.res.Label, metricText(s.res.LeastMemory, "%.1f MiB"))
		}
	}

	// An idle instance: its host memory and, for host processes, the
	// seccomp filter it runs under.
	idle := app
	if cfg.HTTPPort == 0 && cfg.IdleApp != "-" {
		r.App.IdleApp = cfg.IdleApp
		idle, err = buildApp(ctx, cfg.IdleApp, artifacts)
		if err == nil {
			var src string
			err = learnLine(ctx, idle, "", &src)
		}
		if err != nil {
			idle = nil
			err = fmt.Errorf("idle app %s: %w", cfg.IdleApp, err)
		}
	}
	for _, s := range subjects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.idleAndSurface(ctx, env, idle, err)
		progress("%s: idle RSS %s, system calls %s, executables %s, shell %s", s.res.Label,
			metricText(s.res.IdleRSS, "%.1f MiB"), metricText(s.res.Syscalls, "%.0f"),
			metricText(s.res.Executables, "%.0f"), shellText(s.res.Shell))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	r.Duration = time.Since(began).Seconds()
	if err := writeJSON(filepath.Join(cfg.Out, "results.json"), r); err != nil {
		return r, err
	}
	if err := writeChart(filepath.Join(cfg.Out, "chart.svg"), r); err != nil {
		return r, err
	}
	return r, nil
}

func compareNotes(cfg CompareConfig) []string {
	notes := []string{
		"runs are interleaved (native, container, Linux, unigo, native, …); medians with min–max",
		"to first line: from starting the process (the app; docker run or runc run; QEMU) to the app's first line reaching the host",
		"artifact: what each way ships: the binary; the container image (docker image inspect .Size) or the bundle's root file system; vmlinux + initramfs; the unigo image",
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

// learnLineEnv is learnLine with $PORT set for an HTTP app.
func learnLineEnv(ctx context.Context, app *goApp, override string, port int, source *string) error {
	if port > 0 && override == "" {
		restore := os.Getenv("PORT")
		os.Setenv("PORT", fmt.Sprint(port))
		defer os.Setenv("PORT", restore)
	}
	return learnLine(ctx, app, override, source)
}

// runOutcome is what one timed run measured.
// load is the wrk run of each timed run.
func (c *CompareConfig) load() loadSpec {
	return loadSpec{Threads: c.LoadThreads, Conns: c.LoadConns, Duration: c.LoadDuration}
}

type runOutcome struct {
	firstLine time.Duration
	firstHTTP time.Duration
	load      loadResult
}

// runOnce runs the app once: to its line, then (HTTP) to its first good
// response and through the load, then to its exit or stop.
func runOnce(ctx context.Context, cfg CompareConfig, a *runnable) (o runOutcome, err error) {
	inst, err := a.start(ctx, runOpts{port: cfg.HTTPPort})
	if err != nil {
		return o, err
	}
	defer inst.stop()
	deadline := time.Now().Add(cfg.Timeout)
	if o.firstLine, err = inst.waitLine(cfg.Timeout); err != nil {
		return o, err
	}
	if cfg.HTTPPort > 0 {
		url := "http://" + inst.addr + "/"
		if err := waitHTTP(ctx, inst.watched, url, deadline); err != nil {
			return o, err
		}
		o.firstHTTP = time.Since(inst.started)
		if o.load, err = runWrk(ctx, cfg.Wrk, url, cfg.load()); err != nil {
			return o, err
		}
	} else {
		// Let it end by itself (a hello), briefly.
		_, _ = inst.waitExit(min(time.Until(deadline), 3*o.firstLine+time.Second))
	}
	return o, nil
}

// summarize turns a subject's samples into metrics.
func (s *subjectRun) summarize(cfg CompareConfig) {
	r := s.res
	httpNA := "n/a: not measured: no --http PORT given"
	if !s.ok() {
		na := "n/a: " + s.naWhy
		r.FirstLine = naMetric("s", "%s", na)
		r.setHTTPNA(na)
		if cfg.HTTPPort == 0 {
			r.setHTTPNA(httpNA)
		}
		if !r.Artifact.OK() {
			r.Artifact = naMetric("bytes", "%s", na)
		}
		return
	}
	r.FirstLine = sampleMetric("s", s.line)
	if cfg.HTTPPort > 0 {
		r.FirstHTTP, r.RequestsPS, r.P50, r.P99 = sampleMetric("s", s.http), sampleMetric("req/s", s.rps), sampleMetric("ms", s.p50), sampleMetric("ms", s.p99)
		if s.loadErrRuns > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("wrk counted errors in %d of %d timed runs (they are not in the rate or the latencies); the first: %s", s.loadErrRuns, len(s.rps), s.loadErrText))
		}
	} else {
		r.setHTTPNA(httpNA)
	}
	if s.fails > 0 {
		note := fmt.Sprintf("%d of %d timed runs failed; the first: %s", s.fails, cfg.Runs, s.failed)
		r.Notes = append(r.Notes, note)
		if len(s.line) == 0 {
			r.FirstLine = naMetric("s", "n/a: %s", note)
			if cfg.HTTPPort > 0 {
				r.setHTTPNA("n/a: " + note)
			}
		}
	}
}

// setHTTPNA marks every HTTP measurement n/a for why.
func (r *ContenderResult) setHTTPNA(why string) {
	r.FirstHTTP, r.RequestsPS = naMetric("s", "%s", why), naMetric("req/s", "%s", why)
	r.P50, r.P99 = naMetric("ms", "%s", why), naMetric("ms", "%s", why)
}

// leastMemory searches the least memory limit the app runs under.
func (s *subjectRun) leastMemory(ctx context.Context, cfg CompareConfig) {
	r := s.res
	switch {
	case !s.ok():
		r.LeastMemory = naMetric("MiB", "n/a: %s", s.naWhy)
	case s.app.memory == nil:
		r.LeastMemory = naMetric("MiB", "%s", s.app.memoryNA)
	case cfg.SkipMemory:
		r.LeastMemory = naMetric("MiB", "not measured (memory search skipped)")
	case !r.FirstLine.OK():
		r.LeastMemory = naMetric("MiB", "not measured: no successful timed run")
	default:
		slowest := *r.FirstLine.Max
		if cfg.HTTPPort > 0 && r.FirstHTTP.OK() {
			slowest = *r.FirstHTTP.Max
		}
		probe := max(2*time.Second, time.Duration(3*slowest*float64(time.Second)))
		search := *s.app.memory
		search.Hi, search.Probe, search.Confirm, search.Budget = cfg.MemMiB, probe, cfg.MemoryConfirm, cfg.MemoryBudget
		if cfg.HTTPPort > 0 {
			search.Test = fmt.Sprintf("answered %d requests", cfg.ServeRequests+1)
		}
		r.LeastMemory = search.run(ctx, func(mib int) bool {
			return s.runsIn(ctx, cfg, mib, probe)
		})
	}
}

// runsIn reports whether the app, limited to mib, prints its line within
// probe and, with --http, then answers its first request and
// cfg.ServeRequests more.
func (s *subjectRun) runsIn(ctx context.Context, cfg CompareConfig, mib int, probe time.Duration) bool {
	inst, err := s.app.start(ctx, runOpts{memMiB: mib, port: cfg.HTTPPort})
	if err != nil {
		return false
	}
	defer inst.stop()
	deadline := time.Now().Add(probe)
	if _, err = inst.waitLine(probe); err != nil || cfg.HTTPPort == 0 {
		return err == nil
	}
	url := "http://" + inst.addr + "/"
	if err := waitHTTP(ctx, inst.watched, url, deadline); err != nil {
		return false
	}
	return serveRequests(ctx, url, cfg.ServeRequests, probe) == nil
}

// idleAndSurface runs the idle app (or the HTTP app, which idles once it
// listens) and reads its host memory and attack surface.
func (s *subjectRun) idleAndSurface(ctx context.Context, env *compareEnv, idleApp *goApp, idleErr error) {
	r, cfg := s.res, env.cfg
	if !s.ok() && s.app == nil {
		na := "n/a: " + s.naWhy
		r.IdleRSS, r.Syscalls, r.Executables, r.Shell = naMetric("MiB", "%s", na), naMetric("calls", "%s", na), naMetric("files", "%s", na), naMetric("bool", "%s", na)
		return
	}
	// What the artifact holds does not need it to run.
	s.c.surface(r, s.app)

	var inst *instance
	switch {
	case !s.ok():
		r.IdleRSS = naMetric("MiB", "n/a: %s", s.naWhy)
	case cfg.HTTPPort == 0 && cfg.IdleApp == "-":
		r.IdleRSS = naMetric("MiB", "not measured (idle measurement skipped)")
	case idleApp == nil:
		r.IdleRSS = naMetric("MiB", "n/a: %v", idleErr)
	default:
		a := s.app
		if idleApp != nil && cfg.HTTPPort == 0 {
			var err error
			if a, err = s.c.prepare(ctx, idleApp); err != nil {
				r.IdleRSS = naMetric("MiB", "n/a: preparing the idle app: %v", err)
				break
			}
		}
		var err error
		inst, err = a.start(ctx, runOpts{port: cfg.HTTPPort})
		if err == nil {
			if _, err = inst.waitLine(cfg.Timeout); err == nil {
				select {
				case <-time.After(cfg.Settle):
				case <-ctx.Done():
				}
				if !inst.running() {
					err = errors.New("the idle app exited instead of idling")
				}
			}
		}
		if err != nil {
			r.IdleRSS = naMetric("MiB", "n/a: %v", err)
			break
		}
		rss, what, err := inst.rss()
		if err != nil {
			r.IdleRSS = naMetric("MiB", "n/a: %v", err)
		} else {
			r.IdleRSS = valueMetric("MiB", float64(rss)/(1<<20))
			r.IdleRSS.Note = fmt.Sprintf("VmRSS of %s, %v after the idle app printed its line", what, cfg.Settle)
		}
	}
	if !r.Syscalls.OK() && r.Syscalls.NA == "" {
		r.Syscalls = s.c.syscalls(ctx, inst)
	}
	if inst != nil {
		inst.stop()
	}
}

func shellText(m Metric) string {
	if !m.OK() {
		return m.NA
	}
	if *m.Value != 0 {
		return "yes"
	}
	return "no"
}
