// Package files is `unigo bench files`, `unigo bench volume` and `unigo
// bench bolt`: one program that measures its own file I/O and prints one
// result line, run three ways, interleaved (A B C A B C ...): as a native
// process, as the app of the Linux microVM, and as a unigo image booted
// through the launch layer. The benchmarks differ in the program and in
// where it does its I/O (a place): files runs examples/fsbench on tmpfs
// (tmpfs.go); volume runs examples/volbench (volume.go) and bolt
// examples/boltbench, a bbolt database (bolt.go), on a disk, a fresh ext2
// image every run (disk.go).
package files

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// Config says what a benchmark of this package measures and how.
type Config struct {
	Runs     int      // interleaved runs of each subject; default 5
	Machine  string   // QEMU machine type: microvm (default) or pc
	Accel    string   // tcg (default), kvm, or auto
	MemMiB   int      // memory of the VMs; default 256
	App      string   // directory of the benchmark program; default the benchmark's example
	Subjects []string // subset of harness.Native, Linux, Unigo; default all three
	Out      string   // directory for results.json and the built files; required

	Timeout time.Duration // limit for one run; default the benchmark's

	LinuxCacheDir string            // default linuxvm.DefaultCacheDir()
	Build         harness.BuildFunc // builds unigo images; nil means `unigo build`
	Progress      io.Writer         // progress lines; nil for none
}

// setDefaults fills in what c leaves out, with the benchmark's own app and
// timeout, and checks the rest.
func (c *Config) setDefaults(app string, timeout time.Duration) error {
	harness.OrDefault(&c.Runs, 5)
	if err := harness.VMDefaults(&c.Machine, &c.Accel, &c.MemMiB); err != nil {
		return err
	}
	harness.OrDefault(&c.App, app)
	if err := harness.CheckSubjects(&c.Subjects, harness.Native, harness.Linux, harness.Unigo); err != nil {
		return err
	}
	if c.Out == "" {
		return harness.ErrNoOut
	}
	harness.OrDefault(&c.Timeout, timeout)
	return harness.LinuxCacheDefault(&c.LinuxCacheDir)
}

// Report is the result of a benchmark, written as results.json.
type Report struct {
	report.Base
	Config   Settings   `json:"config"`
	Subjects []*Subject `json:"subjects"`
}

// Subject holds the measurements of one subject: one Metric per quantity
// of the program.
type Subject struct {
	Key     string                    `json:"key"`
	Label   string                    `json:"label"`
	How     string                    `json:"how,omitempty"`
	Command []string                  `json:"command,omitempty"`
	Metrics map[string]measure.Metric `json:"metrics"`
	Notes   []string                  `json:"notes,omitempty"`

	// start runs the program on a run's place (a disk image, or the native
	// process's directory; "" when runs have none).
	start           func(ctx context.Context, place string) (*harness.Watched, error)
	measure.Samples `json:"-"`
}

// About implements report.Subject.
func (s *Subject) About() report.About {
	return report.About{Key: s.Key, Label: s.Label, How: s.How, Notes: s.Notes, Metrics: s.Metrics}
}

// Settings are the configuration the report was measured with.
type Settings struct {
	Runs    int    `json:"runs"`
	Machine string `json:"machine"`
	Accel   string `json:"accel"`
	CPU     string `json:"cpu"`
	MemMiB  int    `json:"mem_mib"`
	// files
	NativeTmp string `json:"native_tmp,omitempty"`
	// volume and bolt
	DiskDir     string  `json:"disk_dir,omitempty"`
	DiskFS      string  `json:"disk_dir_fs,omitempty"` // the host file system the disk images are on
	DiskBytes   int64   `json:"disk_bytes,omitempty"`
	DiskFormat  string  `json:"disk_format,omitempty"`
	Timeout     float64 `json:"timeout_s"`
	Interleaved bool    `json:"interleaved"`
}

// program is a benchmark program that measures itself and prints one
// line, "NAME K=V K=V ...", or "NAME error: why" when it failed.
type program struct {
	name       string             // the program's, which starts its lines: "fsbench"
	quantities []measure.Quantity // what the line holds, in table order
	// inputs are the files the program reads, written by `PROGRAM -prepare
	// -dir DIR` once and put on each run's disk by the host; none for most.
	inputs []string
}

// match accepts the console line that ends a run: the program's result or
// error, or a failure of the Linux guest's /init (the benchmark's helper)
// before the program ran.
func (p program) match(s string) bool {
	return strings.Contains(s, p.name+" "+p.quantities[0].Key+"=") || strings.Contains(s, p.name+" error:") ||
		strings.Contains(s, harness.HelperErrorPrefix)
}

// parse parses the program's result line (possibly preceded by other
// console text); every quantity must be there.
func (p program) parse(line string) (map[string]float64, error) {
	var keys []string
	for _, q := range p.quantities {
		keys = append(keys, q.Key)
	}
	return measure.ParseResultLine(line, p.name+" ", p.name+" error:", keys)
}

// benchmark is one of the package's: the program and where it does its I/O.
type benchmark struct {
	name     string // "files", "volume" or "bolt"
	program  program
	columns  string   // what the numbers of a progress line are
	notes    []string // the report's
	noteLoad bool     // note the host's load average at the start and the end
	place    place
}

// place is where the program does its I/O: tmpfs or a disk. Each subject's artifact (the plain binary, the Linux baseline,
// the unigo image) is fitted to it.
type place interface {
	// prepare runs once the app is built: it fills the report's settings
	// and returns more for the app's progress line.
	prepare(ctx context.Context, app *harness.App, r *Report) (string, error)
	// native fits the native process p to the place and returns how to
	// start it on a run's place.
	native(s *Subject, p harness.Process) func(ctx context.Context, place string) (*harness.Watched, error)
	linux(ctx context.Context, s *Subject, vm *harness.VM, app *harness.App, linux *harness.LinuxBaseline) error
	unigo(s *Subject, vm *harness.VM)
	// placeholder stands for a run's place in the commands the report
	// shows; "" when runs have none.
	placeholder() string
	// fresh makes a new place for one run of subject key ("" for none);
	// the run removes it.
	fresh(ctx context.Context, key string, round int) (string, error)
}

// run runs benchmark b and writes results.json into cfg.Out.
func run(ctx context.Context, cfg Config, b *benchmark) (*Report, error) {
	began, loadBefore := time.Now(), measure.LoadAvg()
	progress := harness.Progress(cfg.Progress)
	artifacts := filepath.Join(cfg.Out, "artifacts")
	if err := harness.Mkdirs(artifacts); err != nil {
		return nil, err
	}
	var m harness.Machine
	if harness.AnyVM(cfg.Subjects) {
		var err error
		if m, err = harness.NewMachine(cfg.Machine, cfg.Accel, filepath.Join(artifacts, "unigo-root")); err != nil {
			return nil, err
		}
		cfg.Accel = m.Accel.Name
	}
	r := &Report{Base: report.NewBase(b.name, began, m.QEMU, cfg.App)}
	r.Config = Settings{Runs: cfg.Runs, Machine: cfg.Machine, Accel: cfg.Accel, CPU: m.Accel.CPU,
		MemMiB: cfg.MemMiB, Timeout: cfg.Timeout.Seconds(), Interleaved: true}
	r.Notes = append(r.Notes, b.notes...)

	app, err := r.BuildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	app.Line = b.program.name + " "
	r.App.Line, r.App.LineSource = app.Line+"KEY=VALUE ...", "the result line of the benchmark program"
	more, err := b.place.prepare(ctx, app, r)
	if err != nil {
		return nil, err
	}
	progress("app %s: %d bytes built plain%s", cfg.App, app.Size, more)

	vms := map[string]harness.VM{}
	linux := &harness.LinuxBaseline{CacheDir: cfg.LinuxCacheDir, TSCKHz: r.Host.TSCKHz, TSCSource: r.Host.TSCSource}
	for _, key := range cfg.Subjects {
		s := &Subject{Key: key, Label: harness.Labels[key], Metrics: map[string]measure.Metric{}}
		r.Subjects = append(r.Subjects, s)
		var err error
		if key == harness.Native {
			s.Command = []string{app.Binary}
			s.start = b.place.native(s, harness.Process{Binary: app.Binary, Match: b.program.match})
		} else if vm, verr := b.vm(ctx, s, cfg, linux, app, artifacts); verr != nil {
			err = verr
		} else {
			vms[key] = vm
			s.Command = m.CommandLine(ctx, vm, harness.Boot{MemMiB: cfg.MemMiB, Disk: b.place.placeholder()})
			s.start = func(ctx context.Context, place string) (*harness.Watched, error) {
				return m.Start(ctx, vm, harness.Boot{MemMiB: cfg.MemMiB, Disk: place})
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
	if err := b.sameVMs(ctx, m, cfg, vms); err != nil {
		return nil, err
	}

	err = measure.RunRounds(ctx, cfg.Runs, r.Subjects, func(i int, s *Subject) (string, error) {
		vals, err := b.runOnce(ctx, s, cfg.Timeout, i)
		return s.AddLine(s.Key, b.program.quantities, vals, err), err
	}, func(i int, texts []string) {
		progress("run %d/%d %s: %s", i+1, cfg.Runs, b.columns, strings.Join(texts, "  "))
	})
	if err != nil {
		return nil, err
	}
	for _, s := range r.Subjects {
		s.Notes = s.Summarize(s.Metrics, b.program.quantities, cfg.Runs, s.Notes)
	}
	if b.noteLoad {
		r.NoteLoad(loadBefore)
	}
	return r, r.Finish(began, cfg.Out, r)
}

// vm makes the artifact of a VM subject (the Linux baseline or the unigo
// image) and fits it to the place.
func (b *benchmark) vm(ctx context.Context, s *Subject, cfg Config, linux *harness.LinuxBaseline, app *harness.App, artifacts string) (harness.VM, error) {
	var a *harness.Artifact
	var err error
	if s.Key == harness.Linux {
		a, err = linux.Artifact(ctx, app, artifacts)
	} else {
		a, err = harness.UnigoImage(ctx, cfg.Build, app, artifacts)
	}
	if err != nil {
		return harness.VM{}, err
	}
	vm := *a.VM
	vm.Match = b.program.match
	s.How, s.Notes = a.How, append(s.Notes, a.Notes...)
	if s.Key == harness.Linux {
		return vm, b.place.linux(ctx, s, &vm, app, linux)
	}
	b.place.unigo(s, &vm)
	return vm, nil
}

// sameVMs checks that the two VMs differ only in what they boot: the same
// machine, accelerator and memory, and the same disk, attached alike.
func (b *benchmark) sameVMs(ctx context.Context, m harness.Machine, cfg Config, vms map[string]harness.VM) error {
	l, okL := vms[harness.Linux]
	u, okU := vms[harness.Unigo]
	if !okL || !okU {
		return nil
	}
	boot := harness.Boot{MemMiB: cfg.MemMiB, Disk: b.place.placeholder()}
	ls, errL := m.Spec(ctx, l, boot)
	us, errU := m.Spec(ctx, u, boot)
	if errL != nil || errU != nil {
		return nil // the subject is n/a already
	}
	if err := harness.SameVM(ls, us); err != nil {
		return fmt.Errorf("the Linux and unigo VMs %v:\n  linux: %s\n  unigo: %s\nfix bench/files",
			err, strings.Join(m.CommandLine(ctx, l, boot), " "), strings.Join(m.CommandLine(ctx, u, boot), " "))
	}
	return nil
}

// runOnce makes a fresh place, runs subject s on it once, parses its
// result line, and removes the place.
func (b *benchmark) runOnce(ctx context.Context, s *Subject, timeout time.Duration, round int) (map[string]float64, error) {
	place, err := b.place.fresh(ctx, s.Key, round)
	if place != "" {
		defer os.RemoveAll(place)
	}
	if err != nil {
		return nil, fmt.Errorf("preparing %s: %w", place, err)
	}
	w, err := s.start(ctx, place)
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	deadline := time.Now().Add(timeout)
	if _, err := w.WaitLine(timeout); err != nil {
		return nil, err
	}
	line := w.Line()
	if i := strings.Index(line, harness.HelperErrorPrefix); i >= 0 {
		return nil, fmt.Errorf("the Linux guest's /init failed, the app did not run: %s", line[i+len(harness.HelperErrorPrefix):])
	}
	vals, err := b.program.parse(line)
	if err != nil {
		return nil, err
	}
	// Let it finish (clean up and exit; unigo writes a volume back and
	// marks it clean; the Linux guest panics when its /init exits) so that
	// runs do not overlap.
	if _, err := w.WaitExit(time.Until(deadline)); err != nil {
		return nil, err
	}
	return vals, nil
}
