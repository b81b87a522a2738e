package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The files benchmark (RunFiles) runs one file I/O program
// (examples/fsbench) three ways, interleaved: as a native process, as /init
// of the Linux microVM (whose /tmp is the initramfs's rootfs, a tmpfs) and
// as a unigo image (whose /tmp is the kernel's tmpfs). The program prints
// one line of name=value pairs, which is parsed into metrics.

// FilesConfig says what RunFiles measures and how.
type FilesConfig struct {
	Runs     int      // interleaved runs of each subject; default 5
	Machine  string   // QEMU machine type: microvm (default) or pc
	Accel    string   // tcg (default), kvm, or auto
	MemMiB   int      // memory of the VMs; default 256 (the program writes a 64 MiB file)
	App      string   // directory of the benchmark program; default ./examples/fsbench
	Subjects []string // subset of Native, Linux, Unigo; default all three
	Out      string   // directory for results.json and the built files; required
	// NativeTmp is the TMPDIR of the native process; default /dev/shm when it
	// is a tmpfs (the VMs write to tmpfs too), else the host's os.TempDir().
	NativeTmp string

	Timeout time.Duration // limit for one run; default 120 s

	QEMU          string    // default qemu-system-x86_64
	LinuxCacheDir string    // default linuxvm.DefaultCacheDir()
	Build         BuildFunc // builds unigo images; nil means `unigo build`
	Progress      io.Writer // progress lines; nil for none
}

func (c *FilesConfig) setDefaults() error {
	orDefault(&c.Runs, 5)
	if err := vmDefaults(&c.Machine, &c.Accel, &c.MemMiB); err != nil {
		return err
	}
	orDefault(&c.App, "./examples/fsbench")
	if err := checkSubjects(&c.Subjects, Native, Linux, Unigo); err != nil {
		return err
	}
	if c.Out == "" {
		return errNoOut
	}
	if c.NativeTmp == "" {
		c.NativeTmp = os.TempDir()
		if isTmpfs("/dev/shm") {
			c.NativeTmp = "/dev/shm"
		}
	}
	orDefault(&c.Timeout, 120*time.Second)
	return qemuDefaults(&c.QEMU, &c.LinuxCacheDir)
}

// isTmpfs reports whether dir is the root of a tmpfs mount.
func isTmpfs(dir string) bool {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[1] == dir && f[2] == "tmpfs" {
			return true
		}
	}
	return false
}

// FilesMetrics are the quantities the benchmark program prints, by the name
// it prints them under, in table order.
var FilesMetrics = []resultMetric{
	{"seq_write_mbps", "sequential write, 1 MiB (64 MiB + fsync)", "MB/s"},
	{"seq_read_mbps", "sequential read, 1 MiB", "MB/s"},
	{"small_files_per_s", "small files create+stat+delete", "files/s"},
}

// filesLinePrefix starts the program's result line; filesErrorPrefix its
// failure line.
const (
	filesLinePrefix  = "fsbench "
	filesErrorPrefix = "fsbench error:"
)

// FilesReport is the result of RunFiles, written as results.json.
type FilesReport struct {
	reportBase
	Config   FilesReportConfig `json:"config"`
	Subjects []*FilesSubject   `json:"subjects"`
}

// FilesReportConfig is the configuration the report was measured with.
type FilesReportConfig struct {
	Runs        int     `json:"runs"`
	Machine     string  `json:"machine"`
	Accel       string  `json:"accel"`
	CPU         string  `json:"cpu"`
	MemMiB      int     `json:"mem_mib"`
	NativeTmp   string  `json:"native_tmp"`
	Timeout     float64 `json:"timeout_s"`
	Interleaved bool    `json:"interleaved"`
}

// FilesSubject holds the measurements of one subject: one Metric per
// FilesMetrics key.
type FilesSubject struct {
	Key     string            `json:"key"`
	Label   string            `json:"label"`
	How     string            `json:"how,omitempty"`
	Command []string          `json:"command,omitempty"`
	Metrics map[string]Metric `json:"metrics"`
	Notes   []string          `json:"notes,omitempty"`

	start func(ctx context.Context) (*watched, error)
	sampled
}

func (s *FilesSubject) about() subjectAbout {
	return subjectAbout{Key: s.Key, Label: s.Label, How: s.How, Notes: s.Notes, Metrics: s.Metrics}
}

// RunFiles runs the file I/O benchmark and writes results.json into cfg.Out.
func RunFiles(ctx context.Context, cfg FilesConfig) (*FilesReport, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	began := time.Now()
	progress := progressTo(cfg.Progress)
	artifacts := filepath.Join(cfg.Out, "artifacts")
	if err := mkdirs(artifacts); err != nil {
		return nil, err
	}
	m, qemu, err := vmMachine(cfg.Subjects, cfg.QEMU, cfg.Machine, cfg.Accel)
	if err != nil {
		return nil, err
	}
	if m.QEMU != "" {
		cfg.Accel = m.Accel.Name
	}
	r := &FilesReport{}
	r.reportBase = newReportBase("files", began, qemu, cfg.App)
	r.Config = FilesReportConfig{Runs: cfg.Runs, Machine: cfg.Machine, Accel: cfg.Accel, CPU: m.Accel.CPU,
		MemMiB: cfg.MemMiB, NativeTmp: cfg.NativeTmp, Timeout: cfg.Timeout.Seconds(), Interleaved: true}
	r.Notes = append(r.Notes,
		"each run is one execution of the program, which measures itself with its own clock (the guest's, in a VM) and prints one line; medians of interleaved runs, with min–max",
		"MB/s are 10^6 bytes per second; the write time includes the final fsync and close; small files: 2000 files of 100 bytes created, then stat'ed, then deleted, counted once",
		"the VMs' /tmp is a tmpfs: the Linux initramfs's rootfs, the unigo kernel's /tmp",
	)

	app, err := r.buildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	app.Line = filesLinePrefix
	r.App.Line, r.App.LineSource = filesLinePrefix+"KEY=VALUE ...", "the result line of the benchmark program"
	progress("app %s: %d bytes built plain", cfg.App, app.Size)

	match := func(s string) bool {
		return strings.Contains(s, filesLinePrefix+FilesMetrics[0].Key+"=") || strings.Contains(s, filesErrorPrefix)
	}
	preparers := map[string]preparer{
		Linux: linuxPreparer(cfg.LinuxCacheDir, r.Host.TSCKHz, r.Host.TSCSource),
		Unigo: unigoPreparer(cfg.Build),
	}
	for _, key := range cfg.Subjects {
		s := &FilesSubject{Key: key, Label: compareLabels[key], Metrics: map[string]Metric{}, sampled: newSampled()}
		r.Subjects = append(r.Subjects, s)
		if key == Native {
			s.How = "the plain static `go build` (CGO_ENABLED=0) as a process of the host, TMPDIR=" + cfg.NativeTmp
			if !isTmpfs(cfg.NativeTmp) {
				s.Notes = append(s.Notes, cfg.NativeTmp+" is not a tmpfs mount")
			}
			s.Command = []string{app.Binary}
			s.start = func(ctx context.Context) (*watched, error) {
				cmd := exec.CommandContext(ctx, app.Binary)
				cmd.Dir = cfg.NativeTmp
				cmd.Env = append(os.Environ(), "TMPDIR="+cfg.NativeTmp)
				w := newWatched(cmd, match)
				cmd.Stdout, cmd.Stderr = w.console(), w.console()
				return w, w.start()
			}
			continue
		}
		p, err := preparers[key](ctx, app, artifacts)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.naWhy = err.Error()
			progress("%s: n/a: %s", s.Label, s.naWhy)
			continue
		}
		spec := p.spec
		spec.Match = match
		s.How, s.Notes = p.how, append(s.Notes, p.notes...)
		s.Command = m.commandLine(spec, cfg.MemMiB)
		s.start = func(ctx context.Context) (*watched, error) { return m.start(ctx, spec, cfg.MemMiB) }
	}

	err = runRounds(ctx, cfg.Runs, r.Subjects, func(_ int, s *FilesSubject) (string, error) {
		vals, err := filesRunOnce(ctx, s, cfg.Timeout)
		return s.addLine(s.Key, FilesMetrics, vals, err), err
	}, func(i int, texts []string) {
		progress("run %d/%d (write MB/s / read MB/s / files/s): %s", i+1, cfg.Runs, strings.Join(texts, "  "))
	})
	if err != nil {
		return nil, err
	}
	for _, s := range r.Subjects {
		s.Notes = s.summarize(s.Metrics, FilesMetrics, cfg.Runs, s.Notes)
	}
	return r, r.finish(began, cfg.Out, r)
}

// filesRunOnce runs subject s once and parses its result line.
func filesRunOnce(ctx context.Context, s *FilesSubject, timeout time.Duration) (map[string]float64, error) {
	w, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	defer w.kill()
	deadline := time.Now().Add(timeout)
	if _, err := w.waitLine(timeout); err != nil {
		return nil, err
	}
	vals, err := parseFilesLine(w.line())
	if err != nil {
		return nil, err
	}
	// Let it finish (clean up, exit, the VM power off) so that runs do not
	// overlap.
	if _, err := w.waitExit(time.Until(deadline)); err != nil {
		return nil, err
	}
	return vals, nil
}

// parseFilesLine parses the program's result line (possibly preceded by
// other console text) into its values; every FilesMetrics key must be
// there.
func parseFilesLine(line string) (map[string]float64, error) {
	var keys []string
	for _, fm := range FilesMetrics {
		keys = append(keys, fm.Key)
	}
	return parseResultLine(line, filesLinePrefix, filesErrorPrefix, keys)
}

// WriteTable prints the report as a table: one column per subject, medians
// with min–max, and unigo's ratio to Linux and to native.
func (r *FilesReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "unigo bench files: %s; VMs on QEMU %s (%s, -cpu %s), -m %dM; %s\n",
		r.App.Path, r.Config.Machine, r.Config.Accel, r.Config.CPU, r.Config.MemMiB, runsText(r.Config.Runs))
	fmt.Fprintf(&b, "host: %s, %d CPUs, %s; %s\n\n", r.Host.CPU, r.Host.CPUs, r.Host.Kernel, r.Host.QEMU)
	var fn footnotes
	rows, by := subjectTable(r.Subjects)
	linux, native, unigo := by[Linux], by[Native], by[Unigo]
	if unigo != nil && linux != nil {
		rows[0] = append(rows[0], "unigo / Linux")
	}
	if unigo != nil && native != nil {
		rows[0] = append(rows[0], "unigo / native")
	}
	for _, fm := range FilesMetrics {
		row := metricRow(&fn, fm.Name+" ("+fm.Unit+")", r.Subjects, fm.Key, "%.0f")
		for _, base := range []*FilesSubject{linux, native} {
			if unigo != nil && base != nil {
				row = append(row, ratioCell(ratio(unigo.Metrics[fm.Key], base.Metrics[fm.Key])))
			}
		}
		rows = append(rows, row)
	}
	return finishTable(w, &b, rows, &fn, r.Subjects, r.Notes)
}
