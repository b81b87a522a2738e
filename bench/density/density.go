// Package density is `unigo bench density`: how many idle instances of one
// HTTP app a host holds, and what each costs it. For each subject in turn
// (never two at once) it starts N instances, each with its own published
// loopback port, at most a few starts in flight, and times the starts and
// each instance's first HTTP 200; once all answer and have idled a while,
// it reads from /proc the memory (RSS and PSS) and the CPU time of every
// host process each instance is made of, the host's MemAvailable and swap;
// then it pokes instances at random with one request each, times the list
// command with all of them running, and removes everything it started,
// also when it fails or is interrupted.
//
// Subjects: unigo (`unigo run -d -p` of the app's image, from a private
// UNIGO_ROOT, through the unigo command as a user types it; an instance is
// its QEMU and its monitor) and container (the same app built plain, static,
// in a FROM scratch image, `docker run -d -p` with runc; a container is its
// process, its containerd-shim and its docker-proxy) and linux (the same
// plain binary in the benchmarks' Linux microVM, Debian's cloud kernel,
// on the same QEMU, memory and card as unigo's; an instance is its QEMU).
package density

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/internal/memsize"
)

// Config says what Run measures and how.
type Config struct {
	Count     int    // instances of each subject; required
	App       string // the app: serves GET / on GuestPort; default ./examples/httpd
	GuestPort int    // the port the app serves on; default 8080
	Unigo     string // the unigo binary that runs the instances; required
	Machine   string // QEMU machine type: microvm (default) or pc
	Accel     string // tcg (default), kvm, or auto
	Memory    string // the unigo VMs' memory, as unigo run --memory takes it; default 64M
	// LinuxMemory is the Linux microVMs' memory; default 128M: the Debian
	// kernel with the app's initramfs panics out of memory in 80M.
	LinuxMemory string
	TCGCache    string   // the VMs' TCG code cache bound, as unigo run --tcg-cache takes it; "": QEMU's
	Parallel    int      // start commands in flight at once; default 2
	Fill        bool     // start as many as fit in memory when Count does not, instead of refusing it
	Net         string   // NetUser (default) or NetTap: how the instances are reached
	Pokes       int      // instances poked at random; default min(Count, 50)
	Subjects    []string // subset of harness.Unigo, harness.Container, harness.Linux; default all three
	Out         string   // directory for results.json, chart.svg, the built files and the unigo root; required

	LinuxCacheDir string // where the Linux baseline's kernel is cached; default linuxvm.DefaultCacheDir()

	// The memory regression check (check.go): unigo's median PSS per
	// instance at most MaxPSS, and at most Tolerance more than the
	// Baseline results.json's. Empty: no check.
	MaxPSS    string
	Baseline  string
	Tolerance float64 // a fraction: 0.10 passes 10% more

	Settle   time.Duration // idle time between the last first 200 and the measurements; default 30 s
	Window   time.Duration // the idle CPU's measuring window; default 30 s
	Timeout  time.Duration // limit for one instance to answer after its start; default 3 min
	Progress io.Writer     // progress lines; nil for none
}

// SetDefaults fills in what cfg leaves out and checks the rest.
func (c *Config) SetDefaults() error {
	if c.Count <= 0 {
		return errors.New("no count of instances: give --count N")
	}
	mem := 0 // VMDefaults's memory is an int; this benchmark passes --memory on as it is
	if err := harness.VMDefaults(&c.Machine, &c.Accel, &mem); err != nil {
		return err
	}
	harness.OrDefault(&c.Memory, "64M")
	if _, err := memsize.Parse(c.Memory); err != nil {
		return fmt.Errorf("--memory %w", err)
	}
	harness.OrDefault(&c.LinuxMemory, "128M")
	if _, err := memsize.Parse(c.LinuxMemory); err != nil {
		return fmt.Errorf("--linux-memory %w", err)
	}
	if _, err := memsize.Parse(c.TCGCache); c.TCGCache != "" && err != nil {
		return fmt.Errorf("--tcg-cache %w", err)
	}
	harness.OrDefault(&c.App, "./examples/httpd")
	harness.OrDefault(&c.GuestPort, 8080)
	if c.Unigo == "" {
		return errors.New("no unigo binary")
	}
	harness.OrDefault(&c.Net, NetUser)
	if c.Net != NetUser && c.Net != NetTap {
		return fmt.Errorf("--net %q: want user or tap", c.Net)
	}
	harness.OrDefault(&c.Parallel, 2)
	harness.OrDefault(&c.Pokes, min(c.Count, 50))
	c.Pokes = min(c.Pokes, c.Count)
	harness.OrDefault(&c.Settle, 30*time.Second)
	harness.OrDefault(&c.Window, 30*time.Second)
	harness.OrDefault(&c.Timeout, 3*time.Minute)
	if c.Tolerance < 0 {
		return fmt.Errorf("--tolerance %g: want 0 or more", c.Tolerance)
	}
	if err := harness.CheckSubjects(&c.Subjects, harness.Unigo, harness.Container, harness.Linux); err != nil {
		return err
	}
	if err := harness.LinuxCacheDefault(&c.LinuxCacheDir); err != nil {
		return err
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	return nil
}

// Report is the result of Run, written as results.json.
type Report struct {
	report.Base
	Config   Settings   `json:"config"`
	Subjects []*Subject `json:"subjects"`
	Checks   []Check    `json:"checks,omitempty"`
}

// Settings are the configuration the report was measured with.
type Settings struct {
	Count     int     `json:"count"`
	Parallel  int     `json:"parallel"`
	Pokes     int     `json:"pokes"`
	Fill      bool    `json:"fill,omitempty"`
	Net       string  `json:"net"`
	GuestPort int     `json:"guest_port"`
	Machine   string  `json:"machine"`
	Accel     string  `json:"accel"`
	Memory    string  `json:"memory"`
	LinuxMem  string  `json:"linux_memory,omitempty"`
	TCGCache  string  `json:"tcg_cache,omitempty"`
	Settle    float64 `json:"settle_s"`
	Window    float64 `json:"window_s"`
	Timeout   float64 `json:"timeout_s"`
	Unigo     string  `json:"unigo"`
	Root      string  `json:"unigo_root"`
	Reserve   int64   `json:"reserve_bytes"`
	Floor     int64   `json:"floor_bytes"`
}

// Subject is what one subject's fleet of instances measured.
type Subject struct {
	report.Measured
	Asked     int        `json:"asked"`
	Started   int        `json:"started"`  // start commands that succeeded
	Answered  int        `json:"answered"` // instances that answered GET / with 200: those measured
	Refused   bool       `json:"refused,omitempty"`
	Instances []Instance `json:"instances,omitempty"`
}

// Instance is one instance of a subject, as results.json shows it.
type Instance struct {
	Name    string     `json:"name"`
	Port    int        `json:"port,omitempty"`
	Addr    string     `json:"addr"`
	Start   float64    `json:"start_s"`           // the start command, to its return
	Ready   float64    `json:"ready_s,omitempty"` // the start command's launch to the first 200
	Error   string     `json:"error,omitempty"`
	RSS     int64      `json:"rss_bytes,omitempty"`
	PSS     int64      `json:"pss_bytes,omitempty"`
	IdleCPU float64    `json:"idle_cpu_s_per_min,omitempty"`
	Poke    float64    `json:"poke_s,omitempty"`
	Procs   []ProcInfo `json:"procs,omitempty"`
}

// ProcInfo is one host process of an instance.
type ProcInfo struct {
	Pid  int     `json:"pid"`
	Role string  `json:"role"` // roleVM or roleSupervisor
	Name string  `json:"name"` // its command name
	RSS  int64   `json:"rss_bytes"`
	PSS  int64   `json:"pss_bytes"`
	CPU  float64 `json:"cpu_s"` // utime+stime over the window
}

// Run runs the density benchmark and writes results.json and chart.svg
// into cfg.Out. When the regression check fails, it returns the report
// (written) and an error that wraps ErrRegression.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.SetDefaults(); err != nil {
		return nil, err
	}
	checks, err := cfg.limits()
	if err != nil {
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
	r := &Report{Base: report.NewBase("density", began, "", cfg.App)}
	r.Config = Settings{Count: cfg.Count, Parallel: cfg.Parallel, Pokes: cfg.Pokes, Fill: cfg.Fill, Net: cfg.Net, GuestPort: cfg.GuestPort,
		Machine: cfg.Machine, Accel: cfg.Accel, Memory: cfg.Memory, LinuxMem: cfg.LinuxMemory, TCGCache: cfg.TCGCache, Settle: cfg.Settle.Seconds(),
		Window: cfg.Window.Seconds(), Timeout: cfg.Timeout.Seconds(), Unigo: unigoBin, Root: root,
		Reserve: reserve, Floor: floor}
	r.Notes = append(r.Notes, methodNotes(cfg)...)

	app, err := r.BuildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	progress("app %s: %d bytes built plain", cfg.App, app.Size)

	refused := 0
	for _, key := range cfg.Subjects {
		s := &Subject{Measured: report.NewMeasured(key, harness.Labels[key]), Asked: cfg.Count}
		r.Subjects = append(r.Subjects, s)
		var f fleet
		switch key {
		case harness.Unigo:
			f = &unigoFleet{cfg: cfg, bin: unigoBin, root: root, app: app}
		case harness.Container:
			f, err = newContainerFleet(ctx, cfg, app, artifacts)
		case harness.Linux:
			f, err = newLinuxFleet(cfg, app, artifacts, r)
		}
		if err == nil {
			err = (&driver{cfg: cfg, f: f, s: s, progress: progress}).run(ctx)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.NAWhy = err.Error()
			var ref *refusal
			if errors.As(err, &ref) {
				s.Refused = true
				refused++
			}
			progress("%s: n/a: %s", key, s.NAWhy)
		}
		s.summarize()
	}
	if refused == len(r.Subjects) {
		return nil, errors.New(r.Subjects[0].NAWhy)
	}
	r.NoteLoad(loadBefore)
	regression := r.check(checks)
	if err := r.chart().Write(filepath.Join(cfg.Out, "chart.svg")); err != nil {
		return nil, err
	}
	if err := r.Finish(began, cfg.Out, r); err != nil {
		return nil, err
	}
	return r, regression
}

// methodNotes say how each number was measured.
func methodNotes(cfg Config) []string {
	return []string{
		fmt.Sprintf("subjects run one after the other, never two at once; each starts its instances with at most %d start commands in flight, %s", cfg.Parallel, netNote(cfg.Net)),
		fmt.Sprintf("memory guard: the first %d instances are started and measured first; a count whose other instances (at the larger of the first ones' PSS and MemAvailable's fall per instance) would not fit in MemAvailable less %s is refused (with --fill, cut to what fits); no instance is started once MemAvailable is under %s", probeCount, gib(reserve), gib(floor)),
		"start throughput: the instances after the first ones (all, when there are no others), over the wall time from the first start command's launch to the last one's return",
		"start to first 200: from launching the start command to the first GET / answered 200, polled every 50 ms, each request limited to 1 s",
		fmt.Sprintf("memory: after every instance answered and all idled %v, the Rss and Pss lines of /proc/PID/smaps_rollup of each host process of an instance, summed per instance; the table gives the median instance (min–max) and the sum over all; Pss splits a page shared by n processes into n parts, so the PSS sum is what the instances together take from the host", cfg.Settle),
		fmt.Sprintf("idle CPU: utime+stime (/proc/PID/stat, every thread's) of every process of every instance, read at the start and the end of a %v window after the memory reading; they count in 10 ms ticks, so one instance's value is a multiple of %.3g CPU-s/min", cfg.Window, 0.6/cfg.Window.Seconds()),
		"MemAvailable and swap: /proc/meminfo before the first start and with all running (after the idle window); the fall of MemAvailable sees everything on the host, other work too",
		fmt.Sprintf("pokes: GET / on %d instances chosen at random, one after the other, each on a new connection, timed to the end of the body, limited to 10 s", cfg.Pokes),
		"list: the subject's list command with every instance running, three times (median, min–max)",
		"remove: every instance removed (at most 4 remove commands in flight), then checked gone: no process and no instance left",
	}
}

// netNote says how the instances are reached.
func netNote(mode string) string {
	if mode == NetTap {
		return fmt.Sprintf("each VM on a tap device of its own, a /%d link to the host in %s (host .1, VM .2 of each), at its own address; each container on Docker's bridge without a published port, at its address there", tapBits, tapNetwork)
	}
	return "each instance with its own published port on 127.0.0.1"
}

// summarize turns the samples of s into its metrics.
func (s *Subject) summarize() {
	for _, q := range quantities {
		if _, done := s.Metrics[q.Key]; done {
			continue
		}
		s.Metrics[q.Key] = s.Metric(q.Key, q.Unit)
	}
}
