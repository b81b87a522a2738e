package main

import (
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/bench/files"
)

// newBenchFilesCmd is `unigo bench files` (added in bench.go).
func newBenchFilesCmd() *cobra.Command {
	var (
		cfg      files.FilesConfig
		subjects string
	)
	cmd := &cobra.Command{
		Use:   "files",
		Short: "File I/O on tmpfs: native process vs Linux microVM vs unigo",
		Long: `Builds the file benchmark program (--app, default ./examples/fsbench) once and runs it
three ways, interleaved (A B C A B C ...):

  native   the plain static binary as a host process, TMPDIR on a tmpfs (/dev/shm)
  linux    the same binary as /init of Debian's cloud kernel, in QEMU; /tmp is the
           initramfs's rootfs (tmpfs)
  unigo    the unigo image of the program, in the same QEMU; /tmp is the kernel's tmpfs

The program writes a 64 MiB file in 1 MiB writes (fsync at the end), reads it back in
1 MiB reads, and creates, stats and deletes 2000 small files, timing itself; it prints
"fsbench seq_write_mbps=... seq_read_mbps=... small_files_per_s=...". The table shows
medians with min–max and unigo's ratio to Linux and to native.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			startBench(cmd, "files", subjects, &cfg.Subjects, &cfg.Out, &cfg.Progress)
			r, err := files.RunFiles(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printReport(cmd, r, cfg.Out)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 5, "interleaved runs of each subject")
	addVMFlags(cmd, &cfg.Machine, &cfg.Accel)
	f.StringVar(&cfg.App, "app", "./examples/fsbench", "directory of the benchmark program")
	f.StringVar(&cfg.Out, "out", "", "directory for results.json and the built files (default bench-results/files-TIME)")
	f.IntVar(&cfg.MemMiB, "mem", 256, "guest memory of the VMs, in MiB")
	f.DurationVar(&cfg.Timeout, "timeout", 120*time.Second, "limit for one run")
	addSubjectsFlag(cmd, &subjects, "native,linux,unigo")
	f.StringVar(&cfg.NativeTmp, "native-tmp", "", "TMPDIR of the native process (default /dev/shm when it is a tmpfs)")
	addLinuxCacheFlag(cmd, &cfg.LinuxCacheDir)
	return cmd
}
