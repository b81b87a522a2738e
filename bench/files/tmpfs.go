package files

import (
	"context"
	"os"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
)

// The files benchmark (RunFiles) runs examples/fsbench on tmpfs: natively
// in a tmpfs directory of the host, as /init of the Linux microVM (whose
// /tmp is the initramfs's rootfs, a tmpfs) and as a unigo image (whose
// /tmp is the kernel's tmpfs).

// FilesConfig says what RunFiles measures and how.
type FilesConfig struct {
	Config
	// NativeTmp is the TMPDIR of the native process; default /dev/shm when it
	// is a tmpfs (the VMs write to tmpfs too), else the host's os.TempDir().
	NativeTmp string
}

// fsbench is the program of the files benchmark, with the quantities it
// prints, by the name it prints them under, in table order.
var fsbench = program{name: "fsbench", quantities: []measure.Quantity{
	{Key: "seq_write_mbps", Name: "sequential write, 1 MiB (64 MiB + fsync)", Unit: "MB/s"},
	{Key: "seq_read_mbps", Name: "sequential read, 1 MiB", Unit: "MB/s"},
	{Key: "small_files_per_s", Name: "small files create+stat+delete", Unit: "files/s"},
}}

// RunFiles runs the file I/O benchmark and writes results.json into cfg.Out.
func RunFiles(ctx context.Context, cfg FilesConfig) (*Report, error) {
	if err := cfg.setDefaults("./examples/fsbench", 120*time.Second); err != nil {
		return nil, err
	}
	if cfg.NativeTmp == "" {
		cfg.NativeTmp = os.TempDir()
		if isTmpfs("/dev/shm") {
			cfg.NativeTmp = "/dev/shm"
		}
	}
	return run(ctx, cfg.Config, &benchmark{
		name:    "files",
		program: fsbench,
		columns: "(write MB/s / read MB/s / files/s)",
		notes: []string{
			"each run is one execution of the program, which measures itself with its own clock (the guest's, in a VM) and prints one line; medians of interleaved runs, with min–max",
			"MB/s are 10^6 bytes per second; the write time includes the final fsync and close; small files: 2000 files of 100 bytes created, then stat'ed, then deleted, counted once",
			"the VMs' /tmp is a tmpfs: the Linux initramfs's rootfs, the unigo kernel's /tmp",
		},
		place: tmpfs{nativeTmp: cfg.NativeTmp},
	})
}

// tmpfs is where the files benchmark writes: the native process's TMPDIR,
// the guests' /tmp. A run needs nothing made for it.
type tmpfs struct{ nativeTmp string }

func (t tmpfs) prepare(_ context.Context, _ *harness.App, r *Report) (string, error) {
	r.Config.NativeTmp = t.nativeTmp
	return "", nil
}

func (t tmpfs) native(s *Subject, p harness.Process) func(context.Context, string) (*harness.Watched, error) {
	s.How = "the plain static `go build` (CGO_ENABLED=0) as a process of the host, TMPDIR=" + t.nativeTmp
	if !isTmpfs(t.nativeTmp) {
		s.Notes = append(s.Notes, t.nativeTmp+" is not a tmpfs mount")
	}
	p.Dir, p.Env = t.nativeTmp, []string{"TMPDIR=" + t.nativeTmp}
	return func(ctx context.Context, _ string) (*harness.Watched, error) { return p.Start(ctx, 0, 0) }
}

func (tmpfs) linux(context.Context, *Subject, *harness.VM, *harness.App, *harness.LinuxBaseline) error {
	return nil
}
func (tmpfs) unigo(*Subject, *harness.VM)                        {}
func (tmpfs) placeholder() string                                { return "" }
func (tmpfs) fresh(context.Context, string, int) (string, error) { return "", nil }

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
