// Package boot is `unigo bench boot`: it boots its subjects on the same
// machine (harness.Machine), interleaved (A B C A B C ...) so that
// drifting host load hits all of them alike:
//
//   - the QEMU floor: a trivial PVH guest (vmm/floorguest) that prints one
//     line and powers off, i.e. what QEMU itself costs;
//   - a Linux microVM: Debian's cloud kernel with an initramfs whose only
//     file is the app (its plain static `go build`) as /init
//     (package bench/linuxvm);
//   - the unigo image of the same app, booted through the launch layer as
//     `unigo run` boots it;
//   - on request (unigo-exec), the unigo image that boots the app's plain
//     binary unmodified (`unigo build --exec`).
//
// With Exec the app is a static executable in any language, given as it
// is: Linux boots it as /init, unigo-exec as the program of the kernel of
// unmodified executables, and the unigo subject is the linked image of a
// Go reference app (RefApp, the hello of issue 19's "within 1.2×"), each
// watching for its own app's first line.
//
// For each it reports the time from starting QEMU to the app's first line
// on the console and to QEMU's exit (medians, min and max), the size of
// what it boots, the least memory it boots in, and the host CPU an idle VM
// burns.
package boot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// Config says what Run measures and how.
type Config struct {
	Runs     int      // timed boots per subject (interleaved); default 10
	Machine  string   // QEMU machine type: microvm (default) or pc
	Accel    string   // tcg (default), kvm, or auto (qemu.ChooseAccel's choice)
	MemMiB   int      // memory of the timed boots; default 256
	App      string   // directory of the Go main package; default ./examples/hello (none with Exec)
	Line     string   // the app's first output line; default: learnt by running it once natively
	Subjects []string // subset of harness.Floor, Linux, Unigo, UnigoExec; default all but UnigoExec, with Exec all four

	// Exec is a static x86-64 executable (any language) to boot as it is
	// instead of App: Linux's /init and unigo-exec's program.
	Exec string
	// RefApp, with Exec, is the Go main package whose linked unigo image
	// is the unigo subject, the yardstick of the program; default
	// ./examples/hello.
	RefApp string
	Out    string // directory for results.json and the built files; required

	Timeout time.Duration // limit for one boot; default 30 s

	// Memory search: the least -m (MiB) that still boots and prints the line.
	SkipMemory    bool
	MemoryConfirm int           // extra boots confirming the result; default 2
	MemoryBudget  time.Duration // time limit of one subject's search; default 90 s

	// Idle CPU: host CPU time of an idle VM (unigo, and Linux for reference).
	IdleApp      string        // default ./examples/idle; "-" skips the measurement
	IdleDuration time.Duration // default 10 s

	LinuxCacheDir string            // default linuxvm.DefaultCacheDir()
	Build         harness.BuildFunc // builds unigo images; nil means `unigo build` (package build)
	Progress      io.Writer         // progress lines; nil for none
}

// SetDefaults fills in what cfg leaves out and checks the rest.
func (c *Config) SetDefaults() error {
	harness.OrDefault(&c.Runs, 10)
	if err := harness.VMDefaults(&c.Machine, &c.Accel, &c.MemMiB); err != nil {
		return err
	}
	if c.Exec != "" {
		if c.App != "" {
			return errors.New("--app and --exec each name the app to boot (a Go package, or a static program as it is): give one of them")
		}
		harness.OrDefault(&c.RefApp, "./examples/hello")
		if len(c.Subjects) == 0 {
			c.Subjects = []string{harness.Floor, harness.Linux, harness.UnigoExec, harness.Unigo}
		}
	} else {
		if c.RefApp != "" {
			return errors.New("--ref-app is the linked yardstick of a program given with --exec: give --exec PROG too")
		}
		harness.OrDefault(&c.App, "./examples/hello")
		if len(c.Subjects) == 0 {
			c.Subjects = []string{harness.Floor, harness.Linux, harness.Unigo}
		}
	}
	if err := harness.CheckSubjects(&c.Subjects, harness.Floor, harness.Linux, harness.Unigo, harness.UnigoExec); err != nil {
		return err
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	harness.OrDefault(&c.Timeout, 30*time.Second)
	harness.OrDefault(&c.MemoryConfirm, 2)
	harness.OrDefault(&c.MemoryBudget, 90*time.Second)
	harness.OrDefault(&c.IdleApp, "./examples/idle")
	harness.OrDefault(&c.IdleDuration, 10*time.Second)
	return harness.LinuxCacheDefault(&c.LinuxCacheDir)
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
	Machine      string  `json:"machine"`
	Accel        string  `json:"accel"`
	CPU          string  `json:"cpu"` // QEMU -cpu model
	MemMiB       int     `json:"mem_mib"`
	Timeout      float64 `json:"timeout_s"`
	IdleDuration float64 `json:"idle_duration_s"`
	Interleaved  bool    `json:"interleaved"`
}

// Subject holds every measurement of one subject.
type Subject struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Boots string `json:"boots,omitempty"` // how it boots
	// App and Line, when the subject boots another app than the report's
	// (the linked reference of an Exec program): that app and the line
	// its console is watched for.
	App          string         `json:"app,omitempty"`
	Line         string         `json:"line,omitempty"`
	Command      []string       `json:"command,omitempty"` // QEMU command of the timed boots
	Parts        []harness.Part `json:"parts,omitempty"`
	FirstLine    measure.Metric `json:"first_line_s"`
	Exit         measure.Metric `json:"exit_s"`
	ImageBytes   measure.Metric `json:"image_bytes"`
	MinMemoryMiB measure.Metric `json:"min_memory_mib"`
	IdleCPU      measure.Metric `json:"idle_cpu_s"`
	// Ended counts how the timed boots ended: the guest's last line on the
	// control channel ("exit 0"), or a reset.
	Ended map[string]int `json:"ended,omitempty"`
	Notes []string       `json:"notes,omitempty"`

	art             *harness.Artifact
	measure.Samples `json:"-"`
}

// The samples of a boot.
const (
	toLine = "first_line"
	toExit = "exit"
)

// artifactOf makes a subject's artifact for an app, writing what it
// builds under dir.
type artifactOf func(ctx context.Context, app *harness.App, dir string) (*harness.Artifact, error)

// Run runs the boot benchmark and writes results.json into cfg.Out.
func Run(ctx context.Context, cfg Config) (r *Report, err error) {
	if err = cfg.SetDefaults(); err != nil {
		return nil, err
	}
	began := time.Now()
	artifacts := filepath.Join(cfg.Out, "artifacts")
	if err := harness.Mkdirs(artifacts); err != nil {
		return nil, err
	}
	m, err := harness.NewMachine(cfg.Machine, cfg.Accel, filepath.Join(artifacts, "unigo-root"))
	if err != nil {
		return nil, err
	}
	cfg.Accel = m.Accel.Name
	progress := harness.Progress(cfg.Progress)

	r = &Report{
		Base: report.NewBase("boot", began, m.QEMU, cmp.Or(cfg.Exec, cfg.App)),
		Config: Settings{
			Runs: cfg.Runs, Machine: cfg.Machine, Accel: m.Accel.Name, CPU: m.Accel.CPU, MemMiB: cfg.MemMiB,
			Timeout: cfg.Timeout.Seconds(), IdleDuration: cfg.IdleDuration.Seconds(), Interleaved: true,
		},
	}
	r.Notes = append(r.Notes,
		"times run from launching QEMU to the app's first line on a console (COM1 or COM2), and to QEMU's exit; medians of interleaved runs, with min–max",
		"Linux 'to exit': the app is /init, so when it exits the kernel panics ('Attempted to kill init'); panic=-1 reboot=t reboots at once by triple fault and QEMU's -no-reboot turns that into QEMU exiting. The panic's register dump on the console is part of that time",
		"image size counts what QEMU loads: the floor image; vmlinux (or bzImage) + initramfs; the unigo image",
	)

	// The app, built plain or given as it is, and the line the subjects
	// booting it wait for.
	app, ref, err := apps(ctx, cfg, r, artifacts, progress)
	if err != nil {
		return nil, err
	}

	linux := &harness.LinuxBaseline{CacheDir: cfg.LinuxCacheDir, TSCKHz: r.Host.TSCKHz, TSCSource: r.Host.TSCSource}
	makers := map[string]artifactOf{
		harness.Floor: func(_ context.Context, _ *harness.App, dir string) (*harness.Artifact, error) {
			return harness.FloorGuest(dir)
		},
		harness.Linux: linux.Artifact,
		harness.Unigo: func(ctx context.Context, app *harness.App, dir string) (*harness.Artifact, error) {
			return harness.UnigoImage(ctx, cfg.Build, app, dir)
		},
		harness.UnigoExec: harness.ExecImage,
	}

	// Make each subject's artifact and boot it once untimed (warm caches,
	// and find out early whether it boots at all).
	for _, key := range cfg.Subjects {
		s := &Subject{Key: key, Label: harness.Labels[key]}
		r.Subjects = append(r.Subjects, s)
		of := app
		if key == harness.Unigo && ref != nil {
			of = ref
			s.Label, s.App, s.Line = "unigo linked: "+ref.Name, cfg.RefApp, ref.Line
		}
		a, err := makers[key](ctx, of, artifacts)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.NAWhy = err.Error()
			progress("%s: n/a: %s", s.Label, s.NAWhy)
			continue
		}
		s.art, s.Boots, s.Parts, s.Notes = a, a.How, a.Parts, append(s.Notes, a.Notes...)
		s.Command = m.CommandLine(ctx, *a.VM, harness.Boot{MemMiB: cfg.MemMiB})
		s.ImageBytes = measure.Value("bytes", float64(a.Bytes()))
		if _, _, _, err := bootOnce(ctx, m, *a.VM, cfg.MemMiB, cfg.Timeout); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.NAWhy = "does not boot: " + err.Error()
			progress("%s: n/a: %s", s.Label, s.NAWhy)
			continue
		}
	}

	// The timed boots, interleaved.
	err = measure.RunRounds(ctx, cfg.Runs, r.Subjects, func(_ int, s *Subject) (string, error) {
		first, exit, ended, err := bootOnce(ctx, m, *s.art.VM, cfg.MemMiB, cfg.Timeout)
		if err != nil {
			return s.Key + " failed", err
		}
		if s.Ended == nil {
			s.Ended = map[string]int{}
		}
		s.Ended[ended]++
		s.Add(toLine, first.Seconds())
		s.Add(toExit, exit.Seconds())
		return fmt.Sprintf("%s %.3fs/%.3fs", s.Key, first.Seconds(), exit.Seconds()), nil
	}, func(i int, texts []string) {
		progress("run %d/%d: %s", i+1, cfg.Runs, strings.Join(texts, "  "))
	})
	if err != nil {
		return nil, err
	}
	for _, s := range r.Subjects {
		s.summarize(cfg.Runs)
	}

	// The least memory each subject boots in.
	for _, s := range r.Subjects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case !s.CanRun():
			s.MinMemoryMiB = measure.NA("MiB", "n/a: %s", s.NAWhy)
		case cfg.SkipMemory:
			s.MinMemoryMiB = measure.NA("MiB", "not measured (memory search skipped)")
		case !s.FirstLine.OK():
			s.MinMemoryMiB = measure.NA("MiB", "not measured: no successful timed boot")
		default:
			probe := max(2*time.Second, time.Duration(3**s.FirstLine.Max*float64(time.Second)))
			search := measure.MemorySearch{Limit: "-m", Lo: 1, Hi: cfg.MemMiB, Probe: probe, Confirm: cfg.MemoryConfirm, Budget: cfg.MemoryBudget}
			s.MinMemoryMiB = search.Run(ctx, bootsIn(ctx, m, *s.art.VM, probe))
			progress("%s: least memory: %s", s.Label, report.MetricText(s.MinMemoryMiB, "%.0f MiB"))
		}
	}

	// Idle host CPU.
	idleCPU(ctx, cfg, m, r, makers, artifacts, progress)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r, r.Finish(began, cfg.Out, r)
}

// apps makes the report's app — the Go package cfg.App built plain, or the
// program cfg.Exec as it is — and, with Exec and a unigo subject, the
// linked reference cfg.RefApp; each learns its line.
func apps(ctx context.Context, cfg Config, r *Report, artifacts string, progress func(string, ...any)) (app, ref *harness.App, err error) {
	if cfg.Exec != "" {
		if app, err = harness.ProgramApp(cfg.Exec); err != nil {
			return nil, nil, err
		}
		r.UseProgram(app)
	} else if app, err = r.BuildApp(ctx, cfg.App, artifacts); err != nil {
		return nil, nil, err
	}
	if r.App.LineSource, err = harness.LearnLine(ctx, app, cfg.Line, 0); err != nil {
		return nil, nil, fmt.Errorf("app %s: %w", r.App.Path, err)
	}
	r.App.Line = app.Line
	if cfg.Exec == "" {
		progress("app %s: %d bytes built plain; watching consoles for %q", cfg.App, app.Size, app.Line)
		return app, nil, nil
	}
	progress("program %s: %d bytes as given; watching consoles for %q", cfg.Exec, app.Size, app.Line)
	r.Notes = append(r.Notes,
		fmt.Sprintf("the app is the static executable %s as given (built by no one here): Linux boots it as /init, unigo --exec as the program of the kernel of unmodified executables", cfg.Exec),
		"no VM has a network card (as `unigo run` without -p, or with --net none): the kernel of unmodified executables starts the program at once, and its own Go runtime, which runs the network stack when there is a card, never starts",
	)
	if !slices.Contains(cfg.Subjects, harness.Unigo) {
		return app, nil, nil
	}
	if ref, err = harness.BuildApp(ctx, cfg.RefApp, artifacts); err != nil {
		return nil, nil, fmt.Errorf("reference app: %w", err)
	}
	if _, err = harness.LearnLine(ctx, ref, "", 0); err != nil {
		return nil, nil, fmt.Errorf("reference app %s: %w", cfg.RefApp, err)
	}
	r.App.RefApp = cfg.RefApp
	r.Notes = append(r.Notes, fmt.Sprintf("'unigo linked: %s' is the linked unigo image of the Go app %s (watched for its own line %q), the yardstick of issue 19: an unmodified static program should boot within 1.2× of its time and least memory ('vs unigo linked')", ref.Name, cfg.RefApp, ref.Line))
	progress("reference %s: linked unigo image, watched for %q", cfg.RefApp, ref.Line)
	return app, ref, nil
}

// summarize turns a subject's samples into its metrics.
func (s *Subject) summarize(runs int) {
	if !s.CanRun() {
		na := "n/a: " + s.NAWhy
		s.FirstLine, s.Exit = measure.NA("s", "%s", na), measure.NA("s", "%s", na)
		if !s.ImageBytes.OK() {
			s.ImageBytes = measure.NA("bytes", "%s", na)
		}
		return
	}
	s.FirstLine, s.Exit = measure.FromSamples("s", s.Of(toLine)), measure.FromSamples("s", s.Of(toExit))
	if resets := s.Ended[endedReset]; resets > 0 && s.Key != harness.Linux {
		s.Exit.Note = fmt.Sprintf("%d of %d timed boots ended in a reset (triple fault or crash), not with an exit status: 'to QEMU exit' is not a clean exit there", resets, len(s.Of(toExit)))
	}
	if s.Fails > 0 {
		note := fmt.Sprintf("%d of %d timed boots failed; the first: %s", s.Fails, runs, s.Failed)
		s.Notes = append(s.Notes, note)
		if len(s.Of(toLine)) == 0 {
			s.FirstLine, s.Exit = measure.NA("s", "%s", note), measure.NA("s", "%s", note)
		}
	}
}

// endedReset is how a boot ended that left no exit status on the control
// channel.
const endedReset = "reset (no exit status on the control channel)"

// bootOnce boots vm and returns the times to the app's line and to
// QEMU's exit, and how the VM ended: the guest's last word on the control
// channel ("exit 0"), or "reset" when it said nothing (a triple fault or
// the Linux baseline's reboot).
func bootOnce(ctx context.Context, m harness.Machine, vm harness.VM, memMiB int, timeout time.Duration) (first, exit time.Duration, ended string, err error) {
	v, err := m.Start(ctx, vm, harness.Boot{MemMiB: memMiB})
	if err != nil {
		return 0, 0, "", err
	}
	defer v.Stop()
	deadline := time.Now().Add(timeout)
	if first, err = v.WaitLine(timeout); err != nil {
		return 0, 0, "", err
	}
	if exit, err = v.WaitExit(time.Until(deadline)); err != nil {
		return 0, 0, "", err
	}
	ended = endedReset
	for _, l := range v.ControlLines() {
		// Only the guest's protocol lines count: on the pc machine SeaBIOS
		// writes its log to the same port.
		if w, _, _ := strings.Cut(l, " "); w == "exit" || w == "signal" || w == "crash" {
			ended = l
		}
	}
	return first, exit, ended, nil
}

// bootsIn returns the probe of a memory search: boot vm with -m mib and
// wait up to probe for its line.
func bootsIn(ctx context.Context, m harness.Machine, vm harness.VM, probe time.Duration) func(int) bool {
	return func(mib int) bool {
		v, err := m.Start(ctx, vm, harness.Boot{MemMiB: mib})
		if err != nil {
			return false
		}
		defer v.Stop()
		_, err = v.WaitLine(probe)
		return err == nil
	}
}

// idleCPU measures the host CPU time (user + system) QEMU uses over
// cfg.IdleDuration once the idle app has printed its line, for unigo and,
// for reference, Linux.
func idleCPU(ctx context.Context, cfg Config, m harness.Machine, r *Report, makers map[string]artifactOf, dir string, progress func(string, ...any)) {
	na := func(format string, args ...any) {
		for _, s := range r.Subjects {
			if !s.IdleCPU.OK() && s.IdleCPU.NA == "" {
				s.IdleCPU = measure.NA("s", format, args...)
			}
		}
	}
	for _, s := range r.Subjects {
		if s.Key == harness.Floor {
			s.IdleCPU = measure.NA("s", "n/a: the floor guest powers off at once; it has no idle state")
		}
	}
	if cfg.IdleApp == "-" {
		na("not measured (idle measurement skipped)")
		return
	}
	r.App.IdleApp = cfg.IdleApp
	app, err := harness.BuildApp(ctx, cfg.IdleApp, dir)
	if err == nil {
		_, err = harness.LearnLine(ctx, app, "", 0)
	}
	if err != nil {
		na("n/a: idle app %s: %v", cfg.IdleApp, err)
		return
	}
	for _, s := range r.Subjects {
		if s.Key == harness.Floor {
			continue
		}
		if !s.CanRun() {
			s.IdleCPU = measure.NA("s", "n/a: %s", s.NAWhy)
			continue
		}
		a, err := makers[s.Key](ctx, app, dir)
		if err != nil {
			s.IdleCPU = measure.NA("s", "n/a: preparing the idle app: %v", err)
			continue
		}
		cpu, err := measureIdle(ctx, m, *a.VM, cfg.MemMiB, cfg.Timeout, cfg.IdleDuration)
		if err != nil {
			s.IdleCPU = measure.NA("s", "n/a: %v", err)
		} else {
			s.IdleCPU = measure.Value("s", cpu.Seconds())
			s.IdleCPU.Note = fmt.Sprintf("host CPU (user+system, in 10 ms ticks) of QEMU over %v after %s printed %q: %.1f%% of one CPU",
				cfg.IdleDuration, filepath.Base(cfg.IdleApp), app.Line, 100*cpu.Seconds()/cfg.IdleDuration.Seconds())
		}
		progress("%s: idle CPU: %s", s.Label, report.MetricText(s.IdleCPU, "%.3f s"))
	}
}

// measureIdle boots vm, waits for its line, and returns QEMU's CPU time
// (all threads, user + system) over the following window.
func measureIdle(ctx context.Context, m harness.Machine, vm harness.VM, memMiB int, timeout, window time.Duration) (time.Duration, error) {
	v, err := m.Start(ctx, vm, harness.Boot{MemMiB: memMiB})
	if err != nil {
		return 0, err
	}
	defer v.Stop()
	if _, err := v.WaitLine(timeout); err != nil {
		return 0, err
	}
	before, err := harness.ProcCPU(v.Pid())
	if err != nil {
		return 0, err
	}
	select {
	case <-v.Exited():
		return 0, errors.New("the idle app's VM exited instead of idling")
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(window):
	}
	after, err := harness.ProcCPU(v.Pid())
	if err != nil {
		return 0, err
	}
	return after - before, nil
}
