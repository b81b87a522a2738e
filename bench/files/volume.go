package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/bench/measure"
)

// The volume benchmark (RunVolume) runs examples/volbench on a disk: as a
// native process on a directory of the host, as the app of the Linux
// microVM with a disk mounted at /data, and as a unigo image with the same
// kind of disk attached as `unigo run -v DISK:/data` attaches it. Both VMs
// get the same VM apart from what they boot (checked), the same memory,
// and each run a fresh disk image made the way `unigo volume create` makes
// one, so that no run sees another's caches or files.

// VolumeConfig says what a benchmark on a disk (RunVolume, RunBolt)
// measures and how.
type VolumeConfig struct {
	Config
	// DiskDir is where each run's fresh disk image (and the native
	// process's directory) is made; default Out/disks, on the host's disk
	// like the volumes of $UNIGO_ROOT. On a tmpfs the guests' fsync costs
	// the host nothing.
	DiskDir  string
	DiskSize int64 // bytes of each disk image; default 1 GiB (sparse)
}

// volumeMount is where both guests find the disk, and how the Linux guest
// mounts it (ext2, through the ext4 driver of Debian's kernel).
const (
	volumeMount  = "/data"
	volumeLinuxM = "/dev/vda " + volumeMount + " ext2\n"
)

// setDefaults fills in what c leaves out, with the benchmark's own app and
// timeout, and makes the directory of the disks.
func (c *VolumeConfig) setDefaults(app string, timeout time.Duration) error {
	if err := c.Config.setDefaults(app, timeout); err != nil {
		return err
	}
	harness.OrDefault(&c.DiskDir, filepath.Join(c.Out, "disks"))
	harness.OrDefault(&c.DiskSize, 1<<30)
	return harness.Mkdirs(c.DiskDir)
}

// disk is the place of a benchmark of program p on a disk: a fresh disk
// image for every run of a VM, in c.DiskDir, labelled with the program's
// name and holding its input files, if it has any.
func (c *VolumeConfig) disk(p program) *disk {
	return &disk{dir: c.DiskDir, size: c.DiskSize, artifacts: filepath.Join(c.Out, "artifacts"), label: p.name, inputNames: p.inputs}
}

// volbench is the program of the volume benchmark, with the quantities it
// prints, by the name it prints them under, in table order, and the input
// files it reads cold.
var volbench = program{name: "volbench", inputs: []string{"cold-seq", "cold-rand"}, quantities: []measure.Quantity{
	{Key: "seq_write_mbps", Name: "sequential write, 1 MiB (64 MiB + fsync)", Unit: "MB/s"},
	{Key: "seq_read_mbps", Name: "sequential read, 1 MiB, cold (64 MiB)", Unit: "MB/s"},
	{Key: "reread_mbps", Name: "re-read of the file just written, 1 MiB", Unit: "MB/s"},
	{Key: "rand_read_iops", Name: "random read, 4 KiB, cold (4096 of 64 MiB)", Unit: "IOPS"},
	{Key: "rand_write_iops", Name: "random write, 4 KiB (4096, then one fsync)", Unit: "IOPS"},
	{Key: "sync_write_iops", Name: "random write, 4 KiB, fsync after each (256)", Unit: "IOPS"},
}}

// RunVolume runs the volume benchmark and writes results.json into cfg.Out.
func RunVolume(ctx context.Context, cfg VolumeConfig) (*Report, error) {
	if err := cfg.setDefaults("./examples/volbench", 180*time.Second); err != nil {
		return nil, err
	}
	return run(ctx, cfg.Config, &benchmark{
		name:    "volume",
		program: volbench,
		columns: "(write/read/re-read MB/s, rand read/rand write/fsync'ed IOPS)",
		notes: []string{
			"each run is one execution of the program on a fresh disk image (a fresh directory natively), which measures itself with its own clock (the guest's, in a VM) and prints one line; medians of interleaved runs, with min–max",
			"MB/s are 10^6 bytes per second; IOPS are operations per second; write times include their fsync (and close)",
			"cold: the input files are written into each fresh disk image by the host (debugfs), so a guest that has just booted has none of their blocks cached and reads them from the disk (through virtio-blk and QEMU from the host's page cache); natively they are copied into the directory, so the host reads them from its page cache",
			"re-read: the 64 MiB file the program has just written, read back: both guests serve it from their caches (Linux's page cache; unigo's ext2 block cache, which grows to half of RAM)",
			"random: distinct 4 KiB-aligned blocks in a fixed pseudo-random order; random writes overwrite blocks of the 64 MiB file written first, with one fsync at the end of the 4096 (in the time); the last row fsyncs after every write",
		},
		noteLoad: true,
		place:    cfg.disk(volbench),
	})
}

// disk is where the benchmarks on a disk (volume, bolt) write: a fresh
// ext2 disk image every run, attached to both VMs alike, or a fresh
// directory of the host for the native process; each holds the program's
// input files, if it has any.
type disk struct {
	dir        string // where the disks are made
	size       int64
	artifacts  string
	label      string   // the file system's
	inputNames []string // the program's input files, written by `PROGRAM -prepare`; none for most
	inputs     []string // their paths, once written
}

// diskPlaceholder stands for each run's disk image in the command lines
// the report shows.
const diskPlaceholder = "DISK.img"

func (d *disk) prepare(ctx context.Context, app *harness.App, r *Report) (string, error) {
	r.Config.DiskDir, r.Config.DiskFS, r.Config.DiskBytes = d.dir, fsTypeOf(d.dir), d.size
	r.Config.DiskFormat = "ext2, made by volume.MakeFileSystem as `unigo volume create` makes it (mke2fs -t ext2 -b 4096 -m 0), sparse"
	if len(d.inputNames) == 0 {
		return "", nil
	}
	var err error
	if d.inputs, err = programInputs(ctx, app.Binary, filepath.Join(d.artifacts, "inputs"), d.inputNames); err != nil {
		return "", err
	}
	return "; inputs in " + filepath.Dir(d.inputs[0]), nil
}

// native runs the plain binary on a directory of the host.
func (d *disk) native(s *Subject, p harness.Process) func(context.Context, string) (*harness.Watched, error) {
	s.How = fmt.Sprintf("the plain static `go build` (CGO_ENABLED=0) as a process of the host, -dir a fresh directory in %s (%s)", d.dir, fsTypeOf(d.dir))
	s.Command = []string{p.Binary, "-dir", filepath.Join(d.dir, "native-N")}
	return func(ctx context.Context, dir string) (*harness.Watched, error) {
		return p.Start(ctx, 0, 0, "-dir", dir)
	}
}

// linux boots Debian's cloud kernel with the benchmark's helper as /init:
// it loads the virtio-blk drivers, mounts /dev/vda at /data (ext2 through
// the built-in ext4 driver) and executes the app.
func (d *disk) linux(ctx context.Context, s *Subject, vm *harness.VM, app *harness.App, linux *harness.LinuxBaseline) error {
	k, err := linux.Kernel(ctx)
	if err != nil {
		return err
	}
	mods, err := k.BlockModules(ctx)
	if err != nil {
		return fmt.Errorf("the Linux guest's virtio-blk drivers: %w", err)
	}
	helper, err := harness.BuildHelper(ctx, d.artifacts)
	if err != nil {
		return err
	}
	mounts := filepath.Join(d.artifacts, "linux-mounts")
	if err := os.WriteFile(mounts, []byte(volumeLinuxM), 0o644); err != nil {
		return err
	}
	vm.Spec.Initrd = filepath.Join(d.artifacts, app.Name+".disk.initramfs.cpio")
	if err := harness.HelperInitramfs(vm.Spec.Initrd, helper, app, mods, linuxvm.File{Name: "mounts", Path: mounts, Perm: 0o644}); err != nil {
		return err
	}
	var names []string
	for _, m := range mods {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".ko"))
	}
	how, _, _ := strings.Cut(s.How, "; initramfs =") // the baseline's initramfs is replaced
	s.How = how + "; initramfs = the benchmark's helper as /init, which loads " + strings.Join(names, ", ") +
		", mounts devtmpfs on /dev and /dev/vda on " + volumeMount + " as ext2 (the kernel's built-in ext4 driver), and executes the app (/app)"
	s.Notes = append(s.Notes, "the disk is attached by the VMM's own devices (vmm.Spec.Disks), as for unigo, without a mount= token: the -drive and -device options are the same")
	return nil
}

// unigo boots the unigo image of the app with the disk attached as
// `unigo run -v DISK:/data` attaches it: the launch layer's volume.Attach
// takes the disk's lease and checks it, and gives the vmm.Disk that the
// guest mounts.
func (d *disk) unigo(s *Subject, vm *harness.VM) {
	vm.MountAt = volumeMount
	s.How += "; the disk attached as by `unigo run -v DISK.img:" + volumeMount + "` (volume.Attach: lease, check, vmm.Disk mounted by the guest kernel's ext2)"
}

func (d *disk) placeholder() string { return diskPlaceholder }

// fresh makes a fresh disk image (a directory for the native process)
// holding the program's input files, if any.
func (d *disk) fresh(ctx context.Context, key string, round int) (string, error) {
	path := filepath.Join(d.dir, fmt.Sprintf("%s-%d", key, round+1))
	if key == harness.Native {
		return path, nativeVolumeDir(path, d.inputs)
	}
	path += ".img"
	return path, freshDisk(ctx, path, d.size, d.label, d.inputs)
}
