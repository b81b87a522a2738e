package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/bench/files"
	"unigo.dev/unigo/internal/memsize"
)

// newBenchVolumeCmd is `unigo bench volume` (added in bench.go).
func newBenchVolumeCmd() *cobra.Command {
	return newDiskBenchCmd("volume", "./examples/volbench", "Disk I/O on a volume: native process vs Linux microVM vs unigo",
		`Builds the volume benchmark program (--app, default ./examples/volbench) once and
runs it three ways, interleaved (A B C A B C ...), each run on a fresh disk:

  native   the plain static binary as a host process, on a fresh directory of --disk-dir
  linux    Debian's cloud kernel in QEMU with a fresh ext2 disk image attached as a
           virtio-blk device, mounted at /data (ext2 through its built-in ext4 driver) by
           the benchmark's /init, which loads the virtio-blk modules and runs the binary
  unigo    the unigo image of the program in the same QEMU, the same kind of disk
           attached as 'unigo run -v DISK.img:/data' attaches it

Both VMs get the same QEMU command line apart from what they boot: the machine,
memory, and the -drive/-device options of vmm (cache=writeback). Each disk image is
made as 'unigo volume create' makes one (mke2fs -t ext2 -b 4096 -m 0), with the
program's input files written into it from the host, so the guests read them cold.

The program writes a 64 MiB file in 1 MiB writes (fsync at the end), reads it back,
reads a 64 MiB input file in 1 MiB reads, makes 4096 random 4 KiB reads of another,
4096 random 4 KiB writes with one fsync at the end, and 256 random 4 KiB writes with an
fsync after each; it prints MB/s and IOPS. The table shows medians with min–max and
unigo's ratio to Linux (target: within 1.5×) and to native.`, files.RunVolume)
}

// newDiskBenchCmd is a benchmark of package files that runs its program
// on a fresh disk every run (bench volume, bench bolt): the same flags, run
// by run.
func newDiskBenchCmd(name, app, short, long string, run func(context.Context, files.VolumeConfig) (*files.Report, error)) *cobra.Command {
	var (
		cfg      files.VolumeConfig
		subjects string
		diskSize string
	)
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Long:  long,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			startBench(cmd, name, subjects, &cfg.Subjects, &cfg.Out, &cfg.Progress)
			size, err := memsize.Parse(diskSize)
			if err != nil {
				return err
			}
			cfg.DiskSize = size
			r, err := run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printReport(cmd, r, cfg.Out)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 5, "interleaved runs of each subject")
	addVMFlags(cmd, &cfg.Machine, &cfg.Accel)
	f.StringVar(&cfg.App, "app", app, "directory of the benchmark program")
	f.StringVar(&cfg.Out, "out", "", "directory for results.json and the built files (default bench-results/"+name+"-TIME)")
	f.IntVar(&cfg.MemMiB, "mem", 256, "guest memory of the VMs, in MiB")
	f.DurationVar(&cfg.Timeout, "timeout", 180*time.Second, "limit for one run")
	addSubjectsFlag(cmd, &subjects, "native,linux,unigo")
	f.StringVar(&cfg.DiskDir, "disk-dir", "", "where the fresh disk images and the native directory are made (default OUT/disks)")
	f.StringVar(&diskSize, "disk-size", "1G", "size of each disk image (sparse), with a unit: M or G")
	addLinuxCacheFlag(cmd, &cfg.LinuxCacheDir)
	return cmd
}
