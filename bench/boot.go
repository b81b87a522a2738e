// Package bench measures unigo against its baselines on the machine it runs
// on, side by side in one run, so that every number the project states comes
// with its command and its baseline.
//
// The boot benchmark (RunBoot) boots three subjects in the same QEMU command
// line, interleaved (A B C A B C ...) so that drifting host load hits all of
// them alike:
//
//   - the QEMU floor: a trivial PVH guest (vmm/floorguest) that prints one
//     line and powers off, i.e. what QEMU itself costs;
//   - a Linux microVM: Debian's cloud kernel with an initramfs whose only
//     file is the app (its plain static `go build`) as /init
//     (package bench/linuxvm);
//   - the unigo image of the same app.
//
// For each it reports the time from launching QEMU to the app's first line
// on the console and to QEMU's exit (medians, min and max), the size of
// what it boots, the least memory it boots in, and the host CPU an idle VM
// burns.
//
// The compare benchmark (RunCompare, compare.go) runs one app as a native
// process, a container, the same Linux microVM and a unigo VM, and adds
// HTTP throughput and the attack surface. Both launch and time every
// subject through watch.go, search memory limits with memory.go, and read
// host processes through proc.go.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/vmm/qemu"
)

// BootConfig says what RunBoot measures and how.
type BootConfig struct {
	Runs     int      // timed boots per subject (interleaved); default 10
	Machine  string   // QEMU machine type: microvm (default) or pc
	Accel    string   // tcg (default), kvm, or auto (qemu.ChooseAccel's choice)
	MemMiB   int      // memory of the timed boots; default 256
	App      string   // directory of the Go main package; default ./examples/hello
	Line     string   // the app's first output line; default: learnt by running it once natively
	Subjects []string // subset of Floor, Linux, Unigo; default all three
	Out      string   // directory for results.json and the built files; required

	Timeout time.Duration // limit for one boot; default 30 s

	// Memory search: the least -m (MiB) that still boots and prints the line.
	SkipMemory    bool
	MemoryConfirm int           // extra boots confirming the result; default 2
	MemoryBudget  time.Duration // time limit of one subject's search; default 90 s

	// Idle CPU: host CPU time of an idle VM (unigo, and Linux for reference).
	IdleApp      string        // default ./examples/idle; "-" skips the measurement
	IdleDuration time.Duration // default 10 s

	QEMU          string    // default qemu-system-x86_64
	LinuxCacheDir string    // default linuxvm.DefaultCacheDir()
	Build         BuildFunc // builds unigo images; nil means `unigo build` (package build)
	Progress      io.Writer // progress lines; nil for none
}

func (c *BootConfig) setDefaults() error {
	orDefault(&c.Runs, 10)
	if err := vmDefaults(&c.Machine, &c.Accel, &c.MemMiB); err != nil {
		return err
	}
	orDefault(&c.App, "./examples/hello")
	if err := checkSubjects(&c.Subjects, Floor, Linux, Unigo); err != nil {
		return err
	}
	if c.Out == "" {
		return errNoOut
	}
	orDefault(&c.Timeout, 30*time.Second)
	orDefault(&c.MemoryConfirm, 2)
	orDefault(&c.MemoryBudget, 90*time.Second)
	orDefault(&c.IdleApp, "./examples/idle")
	orDefault(&c.IdleDuration, 10*time.Second)
	return qemuDefaults(&c.QEMU, &c.LinuxCacheDir)
}

// BootReport is the result of RunBoot, written as results.json.
type BootReport struct {
	reportBase
	Config   ReportConfig     `json:"config"`
	Subjects []*SubjectResult `json:"subjects"`
}

// reportBase is what every benchmark's results.json starts with.
type reportBase struct {
	Benchmark string    `json:"benchmark"` // "boot", "compare"
	Date      time.Time `json:"date"`
	Host      HostInfo  `json:"host"`
	App       AppInfo   `json:"app"`
	Notes     []string  `json:"notes"`
	Duration  float64   `json:"duration_s"` // of the whole benchmark
}

// newReportBase starts a report of benchmark, begun at began, on app.
func newReportBase(benchmark string, began time.Time, qemuBin, app string) reportBase {
	r := reportBase{Benchmark: benchmark, Date: began.UTC().Truncate(time.Second), Host: hostInfo(qemuBin), App: AppInfo{Path: app}}
	if khz, src, err := linuxvm.HostTSCKHz(); err == nil {
		r.Host.TSCKHz, r.Host.TSCSource = khz, src
	}
	return r
}

// HostInfo describes the machine the numbers were measured on.
type HostInfo struct {
	CPU       string `json:"cpu"`
	CPUs      int    `json:"cpus"`
	Kernel    string `json:"kernel"`
	QEMU      string `json:"qemu"`
	TSCKHz    int    `json:"tsc_khz,omitempty"`
	TSCSource string `json:"tsc_source,omitempty"`
	GoVersion string `json:"go"`
}

// ReportConfig is the configuration the report was measured with.
type ReportConfig struct {
	Runs         int     `json:"runs"`
	Machine      string  `json:"machine"`
	Accel        string  `json:"accel"`
	CPU          string  `json:"cpu"` // QEMU -cpu model
	MemMiB       int     `json:"mem_mib"`
	Timeout      float64 `json:"timeout_s"`
	IdleDuration float64 `json:"idle_duration_s"`
	Interleaved  bool    `json:"interleaved"`
}

// AppInfo describes the app under test.
type AppInfo struct {
	Path        string `json:"path"`
	Line        string `json:"line"`
	LineSource  string `json:"line_source"`
	GoBuildSize Metric `json:"go_build_bytes"` // plain static `go build`, for reference
	IdleApp     string `json:"idle_app,omitempty"`
}

// SubjectResult holds every measurement of one subject.
type SubjectResult struct {
	Key          string   `json:"key"`
	Label        string   `json:"label"`
	Boots        string   `json:"boots,omitempty"`   // how it boots
	Command      []string `json:"command,omitempty"` // QEMU command of the timed boots
	Parts        []part   `json:"parts,omitempty"`
	FirstLine    Metric   `json:"first_line_s"`
	Exit         Metric   `json:"exit_s"`
	ImageBytes   Metric   `json:"image_bytes"`
	MinMemoryMiB Metric   `json:"min_memory_mib"`
	IdleCPU      Metric   `json:"idle_cpu_s"`
	// Ended counts how the timed boots ended: the guest's last line on the
	// control channel ("exit 0"), or a reset.
	Ended map[string]int `json:"ended,omitempty"`
	Notes []string       `json:"notes,omitempty"`

	prep   *prepared
	naWhy  string // set when the subject cannot boot at all
	line   []float64
	exit   []float64
	fails  int
	failed string // first failed run
}

func (s *SubjectResult) bootable() bool { return s.naWhy == "" }

// RunBoot runs the boot benchmark and writes results.json into cfg.Out.
func RunBoot(ctx context.Context, cfg BootConfig) (r *BootReport, err error) {
	if err = cfg.setDefaults(); err != nil {
		return nil, err
	}
	began := time.Now()
	qemuBin, err := exec.LookPath(cfg.QEMU)
	if err != nil {
		return nil, fmt.Errorf("QEMU (%s) is not installed: install the qemu-system-x86 package: %w", cfg.QEMU, err)
	}
	artifacts := filepath.Join(cfg.Out, "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		return nil, err
	}
	accel, err := qemu.ChooseAccel(cfg.Accel)
	if err != nil {
		return nil, err
	}
	m := machine{QEMU: qemuBin, Type: cfg.Machine, Accel: accel}
	if err := m.check(); err != nil {
		return nil, err
	}
	cfg.Accel = accel.Name
	progress := progressTo(cfg.Progress)

	r = &BootReport{
		reportBase: newReportBase("boot", began, qemuBin, cfg.App),
		Config: ReportConfig{
			Runs: cfg.Runs, Machine: cfg.Machine, Accel: accel.Name, CPU: accel.CPU, MemMiB: cfg.MemMiB,
			Timeout: cfg.Timeout.Seconds(), IdleDuration: cfg.IdleDuration.Seconds(), Interleaved: true,
		},
	}
	r.Notes = append(r.Notes,
		"times run from launching QEMU to the app's first line on a console (COM1 or COM2), and to QEMU's exit; medians of interleaved runs, with min–max",
		"Linux 'to exit': the app is /init, so when it exits the kernel panics ('Attempted to kill init'); panic=-1 reboot=t reboots at once by triple fault and QEMU's -no-reboot turns that into QEMU exiting. The panic's register dump on the console is part of that time",
		"image size counts what QEMU loads: the floor image; vmlinux (or bzImage) + initramfs; the unigo image",
	)

	// The app, built plain, and the line every subject waits for.
	app, err := r.buildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	if err := learnLine(ctx, app, cfg.Line, &r.App.LineSource); err != nil {
		return nil, fmt.Errorf("app %s: %w", cfg.App, err)
	}
	r.App.Line = app.Line
	progress("app %s: %d bytes built plain; watching consoles for %q", cfg.App, app.Size, app.Line)

	preparers := map[string]preparer{
		Floor: prepareFloor,
		Linux: linuxPreparer(cfg.LinuxCacheDir, r.Host.TSCKHz, r.Host.TSCSource),
		Unigo: unigoPreparer(cfg.Build),
	}

	// Prepare each subject and boot it once untimed (warm caches, and
	// find out early whether it boots at all).
	for _, key := range cfg.Subjects {
		s := &SubjectResult{Key: key, Label: subjectLabels[key]}
		r.Subjects = append(r.Subjects, s)
		p, err := preparers[key](ctx, app, artifacts)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.naWhy = err.Error()
			progress("%s: n/a: %s", s.Label, s.naWhy)
			continue
		}
		s.prep, s.Boots, s.Parts, s.Notes = p, p.how, p.parts, append(s.Notes, p.notes...)
		s.Command = m.commandLine(p.spec, cfg.MemMiB)
		s.ImageBytes = valueMetric("bytes", float64(p.imageBytes()))
		if _, _, _, err := bootOnce(ctx, m, p.spec, cfg.MemMiB, cfg.Timeout); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.naWhy = "does not boot: " + err.Error()
			progress("%s: n/a: %s", s.Label, s.naWhy)
			continue
		}
	}

	// The timed boots, interleaved.
	for i := range cfg.Runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var line []string
		for _, s := range r.Subjects {
			if !s.bootable() {
				continue
			}
			first, exit, ended, err := bootOnce(ctx, m, s.prep.spec, cfg.MemMiB, cfg.Timeout)
			if err != nil {
				s.fails++
				if s.failed == "" {
					s.failed = err.Error()
				}
				line = append(line, s.Key+" failed")
				continue
			}
			if s.Ended == nil {
				s.Ended = map[string]int{}
			}
			s.Ended[ended]++
			s.line = append(s.line, first.Seconds())
			s.exit = append(s.exit, exit.Seconds())
			line = append(line, fmt.Sprintf("%s %.3fs/%.3fs", s.Key, first.Seconds(), exit.Seconds()))
		}
		progress("run %d/%d: %s", i+1, cfg.Runs, strings.Join(line, "  "))
	}
	for _, s := range r.Subjects {
		if !s.bootable() {
			na := "n/a: " + s.naWhy
			s.FirstLine, s.Exit = naMetric("s", "%s", na), naMetric("s", "%s", na)
			if !s.ImageBytes.OK() {
				s.ImageBytes = naMetric("bytes", "%s", na)
			}
			continue
		}
		s.FirstLine, s.Exit = sampleMetric("s", s.line), sampleMetric("s", s.exit)
		if resets := s.Ended[endedReset]; resets > 0 && s.Key != Linux {
			s.Exit.Note = fmt.Sprintf("%d of %d timed boots ended in a reset (triple fault or crash), not with an exit status: 'to QEMU exit' is not a clean exit there", resets, len(s.exit))
		}
		if s.fails > 0 {
			note := fmt.Sprintf("%d of %d timed boots failed; the first: %s", s.fails, cfg.Runs, s.failed)
			s.Notes = append(s.Notes, note)
			if len(s.line) == 0 {
				s.FirstLine, s.Exit = naMetric("s", "%s", note), naMetric("s", "%s", note)
			}
		}
	}

	// The least memory each subject boots in.
	for _, s := range r.Subjects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case !s.bootable():
			s.MinMemoryMiB = naMetric("MiB", "n/a: %s", s.naWhy)
		case cfg.SkipMemory:
			s.MinMemoryMiB = naMetric("MiB", "not measured (memory search skipped)")
		case !s.FirstLine.OK():
			s.MinMemoryMiB = naMetric("MiB", "not measured: no successful timed boot")
		default:
			probe := max(2*time.Second, time.Duration(3**s.FirstLine.Max*float64(time.Second)))
			search := memorySearch{Limit: "-m", Lo: 1, Hi: cfg.MemMiB, Probe: probe, Confirm: cfg.MemoryConfirm, Budget: cfg.MemoryBudget}
			s.MinMemoryMiB = search.run(ctx, vmRuns(ctx, m, s.prep.spec, probe))
			progress("%s: least memory: %s", s.Label, metricText(s.MinMemoryMiB, "%.0f MiB"))
		}
	}

	// Idle host CPU.
	idleCPU(ctx, cfg, m, r, preparers, artifacts, progress)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	r.Duration = time.Since(began).Seconds()
	if err := writeJSON(filepath.Join(cfg.Out, "results.json"), r); err != nil {
		return r, err
	}
	return r, nil
}

// learnLine fills app.Line from the override or by running the app once.
func learnLine(ctx context.Context, app *goApp, override string, source *string) error {
	if override != "" {
		app.Line, *source = override, "given (--line)"
		return nil
	}
	line, err := firstLine(ctx, app.Binary, 10*time.Second)
	if err != nil {
		return fmt.Errorf("learning its first output line by running it natively: %w (give the line with --line)", err)
	}
	app.Line, *source = line, "the first line the app printed when run natively on the host"
	return nil
}

// endedReset is how a boot ended that left no exit status on the control
// channel.
const endedReset = "reset (no exit status on the control channel)"

// bootOnce boots spec and returns the times to the app's line and to
// QEMU's exit, and how the VM ended: the guest's last word on the control
// channel ("exit 0"), or "reset" when it said nothing (a triple fault or
// the Linux baseline's reboot).
func bootOnce(ctx context.Context, m machine, spec bootSpec, memMiB int, timeout time.Duration) (first, exit time.Duration, ended string, err error) {
	v, err := m.start(ctx, spec, memMiB)
	if err != nil {
		return 0, 0, "", err
	}
	defer v.kill()
	deadline := time.Now().Add(timeout)
	if first, err = v.waitLine(timeout); err != nil {
		return 0, 0, "", err
	}
	if exit, err = v.waitExit(time.Until(deadline)); err != nil {
		return 0, 0, "", err
	}
	ended = endedReset
	for _, l := range v.controlLines() {
		// Only the guest's protocol lines count: on the pc machine SeaBIOS
		// writes its log to the same port.
		if w, _, _ := strings.Cut(l, " "); w == "exit" || w == "signal" || w == "crash" {
			ended = l
		}
	}
	return first, exit, ended, nil
}

// idleCPU measures the host CPU time (user + system) QEMU uses over
// cfg.IdleDuration once the idle app has printed its line, for unigo and,
// for reference, Linux.
func idleCPU(ctx context.Context, cfg BootConfig, m machine, r *BootReport, preparers map[string]preparer, dir string, progress func(string, ...any)) {
	na := func(format string, args ...any) {
		for _, s := range r.Subjects {
			if !s.IdleCPU.OK() && s.IdleCPU.NA == "" {
				s.IdleCPU = naMetric("s", format, args...)
			}
		}
	}
	for _, s := range r.Subjects {
		if s.Key == Floor {
			s.IdleCPU = naMetric("s", "n/a: the floor guest powers off at once; it has no idle state")
		}
	}
	if cfg.IdleApp == "-" {
		na("not measured (idle measurement skipped)")
		return
	}
	r.App.IdleApp = cfg.IdleApp
	app, err := buildApp(ctx, cfg.IdleApp, dir)
	if err == nil {
		var src string
		err = learnLine(ctx, app, "", &src)
	}
	if err != nil {
		na("n/a: idle app %s: %v", cfg.IdleApp, err)
		return
	}
	for _, s := range r.Subjects {
		if s.Key == Floor {
			continue
		}
		if !s.bootable() {
			s.IdleCPU = naMetric("s", "n/a: %s", s.naWhy)
			continue
		}
		p, err := preparers[s.Key](ctx, app, dir)
		if err != nil {
			s.IdleCPU = naMetric("s", "n/a: preparing the idle app: %v", err)
			continue
		}
		cpu, err := measureIdle(ctx, m, p.spec, cfg.MemMiB, cfg.Timeout, cfg.IdleDuration)
		if err != nil {
			s.IdleCPU = naMetric("s", "n/a: %v", err)
		} else {
			s.IdleCPU = valueMetric("s", cpu.Seconds())
			s.IdleCPU.Note = fmt.Sprintf("host CPU (user+system, in 10 ms ticks) of QEMU over %v after %s printed %q: %.1f%% of one CPU",
				cfg.IdleDuration, filepath.Base(cfg.IdleApp), app.Line, 100*cpu.Seconds()/cfg.IdleDuration.Seconds())
		}
		progress("%s: idle CPU: %s", s.Label, metricText(s.IdleCPU, "%.3f s"))
	}
}

// measureIdle boots spec, waits for its line, and returns QEMU's CPU time
// (all threads, user + system) over the following window.
func measureIdle(ctx context.Context, m machine, spec bootSpec, memMiB int, timeout, window time.Duration) (time.Duration, error) {
	v, err := m.start(ctx, spec, memMiB)
	if err != nil {
		return 0, err
	}
	defer v.kill()
	if _, err := v.waitLine(timeout); err != nil {
		return 0, err
	}
	before, err := procCPU(v.pid())
	if err != nil {
		return 0, err
	}
	select {
	case <-v.exited:
		return 0, errors.New("the idle app's VM exited instead of idling")
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(window):
	}
	after, err := procCPU(v.pid())
	if err != nil {
		return 0, err
	}
	return after - before, nil
}

func hostInfo(qemuBin string) HostInfo {
	h := HostInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				h.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command(qemuBin, "-version").Output(); err == nil {
		h.QEMU = strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
	}
	return h
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o644)
}

// vmDefaults fills in and checks the VM settings every benchmark shares:
// machine type (microvm), accelerator (tcg) and guest memory (256 MiB).
func vmDefaults(machine, accel *string, memMiB *int) error {
	if *machine == "" {
		*machine = "microvm"
	}
	if *machine != "microvm" && *machine != "pc" {
		return fmt.Errorf("machine %q: want microvm or pc", *machine)
	}
	if *accel == "" {
		*accel = "tcg"
	}
	if *accel != "tcg" && *accel != "kvm" && *accel != "auto" {
		return fmt.Errorf("accelerator %q: want tcg, kvm or auto", *accel)
	}
	if *memMiB <= 0 {
		*memMiB = 256
	}
	return nil
}
