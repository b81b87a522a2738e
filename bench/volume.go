package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The volume benchmark (RunVolume) runs one disk I/O program
// (examples/volbench) three ways, interleaved: as a native process on a
// directory of the host, as the app of the Linux microVM with a disk
// mounted at /data, and as a unigo image with the same kind of disk
// attached as `unigo run -v DISK:/data` attaches it. Both VMs get the same
// QEMU command line apart from what they boot (checked), the same memory,
// and each run a fresh disk image made the way `unigo volume create` makes
// one, so that no run sees another's caches or files.

// VolumeConfig says what RunVolume measures and how.
type VolumeConfig struct {
	Runs     int      // interleaved runs of each subject; default 5
	Machine  string   // QEMU machine type: microvm (default) or pc
	Accel    string   // tcg (default), kvm, or auto
	MemMiB   int      // memory of the VMs; default 256
	App      string   // directory of the benchmark program; default ./examples/volbench
	Subjects []string // subset of Native, Linux, Unigo; default all three
	Out      string   // directory for results.json and the built files; required
	// DiskDir is where each run's fresh disk image (and the native
	// process's directory) is made; default Out/disks, on the host's disk
	// like the volumes of $UNIGO_ROOT. On a tmpfs the guests' fsync costs
	// the host nothing.
	DiskDir  string
	DiskSize int64 // bytes of each disk image; default 1 GiB (sparse)

	Timeout time.Duration // limit for one run; default 180 s

	QEMU          string    // default qemu-system-x86_64
	LinuxCacheDir string    // default linuxvm.DefaultCacheDir()
	Build         BuildFunc // builds unigo images; nil means `unigo build`
	Progress      io.Writer // progress lines; nil for none
}

// volumeMount is where both guests find the disk, and how the Linux guest
// mounts it (ext2, through the ext4 driver of Debian's kernel).
const (
	volumeMount  = "/data"
	volumeLinuxM = "/dev/vda " + volumeMount + " ext2\n"
	volumeLabel  = "volbench"
)

func (c *VolumeConfig) setDefaults() error {
	orDefault(&c.Runs, 5)
	if err := vmDefaults(&c.Machine, &c.Accel, &c.MemMiB); err != nil {
		return err
	}
	orDefault(&c.App, "./examples/volbench")
	if err := checkSubjects(&c.Subjects, Native, Linux, Unigo); err != nil {
		return err
	}
	if c.Out == "" {
		return errNoOut
	}
	orDefault(&c.DiskDir, filepath.Join(c.Out, "disks"))
	orDefault(&c.DiskSize, 1<<30)
	orDefault(&c.Timeout, 180*time.Second)
	return qemuDefaults(&c.QEMU, &c.LinuxCacheDir)
}

// VolumeMetrics are the quantities the benchmark program prints, by the
// name it prints them under, in table order.
var VolumeMetrics = []resultMetric{
	{"seq_write_mbps", "sequential write, 1 MiB (64 MiB + fsync)", "MB/s"},
	{"seq_read_mbps", "sequential read, 1 MiB, cold (64 MiB)", "MB/s"},
	{"reread_mbps", "re-read of the file just written, 1 MiB", "MB/s"},
	{"rand_read_iops", "random read, 4 KiB, cold (4096 of 64 MiB)", "IOPS"},
	{"rand_write_iops", "random write, 4 KiB (4096, then one fsync)", "IOPS"},
	{"sync_write_iops", "random write, 4 KiB, fsync after each (256)", "IOPS"},
}

const (
	volumeLinePrefix  = "volbench "
	volumeErrorPrefix = "volbench error:"
	// helperErrorPrefix starts the Linux /init's own failures (a disk it
	// could not mount): the app is then not run.
	helperErrorPrefix = "unigo-bench: "
)

// VolumeReport is the result of RunVolume, written as results.json.
type VolumeReport struct {
	reportBase
	Config   VolumeReportConfig `json:"config"`
	Subjects []*VolumeSubject   `json:"subjects"`
}

// VolumeReportConfig is the configuration the report was measured with.
type VolumeReportConfig struct {
	Runs        int     `json:"runs"`
	Machine     string  `json:"machine"`
	Accel       string  `json:"accel"`
	CPU         string  `json:"cpu"`
	MemMiB      int     `json:"mem_mib"`
	DiskDir     string  `json:"disk_dir"`
	DiskFS      string  `json:"disk_dir_fs"` // the host file system the disk images are on
	DiskBytes   int64   `json:"disk_bytes"`
	DiskFormat  string  `json:"disk_format"`
	Timeout     float64 `json:"timeout_s"`
	Interleaved bool    `json:"interleaved"`
}

// VolumeSubject holds the measurements of one subject: one Metric per
// VolumeMetrics key.
type VolumeSubject struct {
	Key     string            `json:"key"`
	Label   string            `json:"label"`
	How     string            `json:"how,omitempty"`
	Command []string          `json:"command,omitempty"`
	Metrics map[string]Metric `json:"metrics"`
	Notes   []string          `json:"notes,omitempty"`

	// start runs the program on disk (a fresh image, or the native
	// process's directory); done ends what start set up.
	start func(ctx context.Context, disk string) (w *watched, done func(), err error)
	sampled
}

func (s *VolumeSubject) about() subjectAbout {
	return subjectAbout{Key: s.Key, Label: s.Label, How: s.How, Notes: s.Notes, Metrics: s.Metrics}
}

// RunVolume runs the volume benchmark and writes results.json into cfg.Out.
func RunVolume(ctx context.Context, cfg VolumeConfig) (*VolumeReport, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	began, loadBefore := time.Now(), loadAvg()
	progress := progressTo(cfg.Progress)
	artifacts := filepath.Join(cfg.Out, "artifacts")
	if err := mkdirs(artifacts, cfg.DiskDir); err != nil {
		return nil, err
	}
	m, qemu, err := vmMachine(cfg.Subjects, cfg.QEMU, cfg.Machine, cfg.Accel)
	if err != nil {
		return nil, err
	}
	if m.QEMU != "" {
		cfg.Accel = m.Accel.Name
	}
	r := &VolumeReport{}
	r.reportBase = newReportBase("volume", began, qemu, cfg.App)
	r.Config = VolumeReportConfig{Runs: cfg.Runs, Machine: cfg.Machine, Accel: cfg.Accel, CPU: m.Accel.CPU,
		MemMiB: cfg.MemMiB, DiskDir: cfg.DiskDir, DiskFS: fsTypeOf(cfg.DiskDir), DiskBytes: cfg.DiskSize,
		DiskFormat: "ext2, made by volume.MakeFileSystem as `unigo volume create` makes it (mke2fs -t ext2 -b 4096 -m 0), sparse",
		Timeout:    cfg.Timeout.Seconds(), Interleaved: true}
	r.Notes = append(r.Notes,
		"each run is one execution of the program on a fresh disk image (a fresh directory natively), which measures itself with its own clock (the guest's, in a VM) and prints one line; medians of interleaved runs, with min–max",
		"MB/s are 10^6 bytes per second; IOPS are operations per second; write times include their fsync (and close)",
		"cold: the input files are written into each fresh disk image by the host (debugfs), so a guest that has just booted has none of their blocks cached and reads them from the disk (through virtio-blk and QEMU from the host's page cache); natively they are copied into the directory, so the host reads them from its page cache",
		"re-read: the 64 MiB file the program has just written, read back: both guests serve it from their caches (Linux's page cache; unigo's ext2 block cache, which grows to half of RAM)",
		"random: distinct 4 KiB-aligned blocks in a fixed pseudo-random order; random writes overwrite blocks of the 64 MiB file written first, with one fsync at the end of the 4096 (in the time); the last row fsyncs after every write",
	)

	app, err := r.buildApp(ctx, cfg.App, artifacts)
	if err != nil {
		return nil, err
	}
	app.Line = volumeLinePrefix
	r.App.Line, r.App.LineSource = volumeLinePrefix+"KEY=VALUE ...", "the result line of the benchmark program"
	inputs, err := volumeInputs(ctx, app.Binary, filepath.Join(artifacts, "inputs"))
	if err != nil {
		return nil, err
	}
	progress("app %s: %d bytes built plain; inputs in %s", cfg.App, app.Size, filepath.Dir(inputs[0]))

	match := func(s string) bool {
		return strings.Contains(s, volumeLinePrefix+VolumeMetrics[0].Key+"=") || strings.Contains(s, volumeErrorPrefix) ||
			strings.Contains(s, helperErrorPrefix)
	}
	vs := volumeSubjects{cfg: cfg, m: m, app: app, artifacts: artifacts, match: match, tscKHz: r.Host.TSCKHz, tscSource: r.Host.TSCSource}
	for _, key := range cfg.Subjects {
		s := &VolumeSubject{Key: key, Label: compareLabels[key], Metrics: map[string]Metric{}, sampled: newSampled()}
		r.Subjects = append(r.Subjects, s)
		var err error
		switch key {
		case Native:
			vs.native(s)
		case Linux:
			err = vs.linux(ctx, s)
		case Unigo:
			err = vs.unigo(ctx, s)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			s.naWhy = err.Error()
			progress("%s: n/a: %s", s.Label, s.naWhy)
		}
	}
	if err := vs.sameQEMU(); err != nil {
		return nil, err
	}

	err = runRounds(ctx, cfg.Runs, r.Subjects, func(i int, s *VolumeSubject) (string, error) {
		vals, err := volumeRunOnce(ctx, s, cfg, inputs, fmt.Sprintf("%s-%d", s.Key, i+1))
		return s.addLine(s.Key, VolumeMetrics, vals, err), err
	}, func(i int, texts []string) {
		progress("run %d/%d (write/read/re-read MB/s, rand read/rand write/fsync'ed IOPS): %s", i+1, cfg.Runs, strings.Join(texts, "  "))
	})
	if err != nil {
		return nil, err
	}
	for _, s := range r.Subjects {
		s.Notes = s.summarize(s.Metrics, VolumeMetrics, cfg.Runs, s.Notes)
	}
	r.noteLoad(loadBefore)
	return r, r.finish(began, cfg.Out, r)
}

// volumeRunOnce makes a fresh disk (a directory for the native process),
// runs subject s on it once, parses its result line, and removes the disk.
func volumeRunOnce(ctx context.Context, s *VolumeSubject, cfg VolumeConfig, inputs []string, name string) (map[string]float64, error) {
	disk := filepath.Join(cfg.DiskDir, name)
	var err error
	if s.Key == Native {
		err = nativeVolumeDir(disk, inputs)
	} else {
		disk += ".img"
		err = freshDisk(ctx, disk, cfg.DiskSize, inputs)
	}
	defer os.RemoveAll(disk)
	if err != nil {
		return nil, fmt.Errorf("preparing %s: %w", disk, err)
	}
	w, done, err := s.start(ctx, disk)
	if err != nil {
		return nil, err
	}
	defer done()
	defer w.kill()
	deadline := time.Now().Add(cfg.Timeout)
	if _, err := w.waitLine(cfg.Timeout); err != nil {
		return nil, err
	}
	line := w.line()
	if i := strings.Index(line, helperErrorPrefix); i >= 0 {
		return nil, fmt.Errorf("the Linux guest's /init failed, the app did not run: %s", line[i+len(helperErrorPrefix):])
	}
	vals, err := parseVolumeLine(line)
	if err != nil {
		return nil, err
	}
	// Let it finish (unigo writes the volume back and marks it clean; the
	// Linux guest panics when its /init exits) so that runs do not overlap.
	if _, err := w.waitExit(time.Until(deadline)); err != nil {
		return nil, err
	}
	return vals, nil
}

// parseVolumeLine parses the program's result line; every VolumeMetrics
// key must be there.
func parseVolumeLine(line string) (map[string]float64, error) {
	var keys []string
	for _, vm := range VolumeMetrics {
		keys = append(keys, vm.Key)
	}
	return parseResultLine(line, volumeLinePrefix, volumeErrorPrefix, keys)
}
