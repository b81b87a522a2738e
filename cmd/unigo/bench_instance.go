package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	instancebench "unigo.dev/unigo/bench/instance"
)

// newBenchInstanceCmd is `unigo bench instance` (added in bench.go).
func newBenchInstanceCmd() *cobra.Command {
	var (
		cfg      instancebench.Config
		subjects string
	)
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Detached instances: run -d to first line, stop, kill; vs attached run and a container",
		Long: `Times the life of a detached instance as a user sees it, each step a command run by
the benchmark, interleaved (A B C A B C ...), with a private UNIGO_ROOT under --out:

  unigo-detached  'unigo run -d' of the app's image to the app's first line (the time
                  stamp of its record in console.log), and to the command's return; the
                  boot time the monitor records (BootTimeMs); 'unigo stop' of an app that
                  exits at once on SIGTERM; a second instance, 'unigo kill'
  unigo-attached  'unigo run' of the same image, to the line on its standard output
  container       the same static binary in a FROM scratch image: 'docker run -d' to the
                  line (the time stamp of its record in Docker's log), 'docker stop',
                  'docker kill'; runc when no Docker engine answers

The app (--app, default ./examples/sigwait) must print a line, then exit with status 0
on SIGTERM. The unigo timed is this executable (--unigo to time another).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			startBench(cmd, "instance", subjects, &cfg.Subjects, &cfg.Out, &cfg.Progress)
			if cfg.Unigo == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("cannot find this unigo executable to time: %w: give --unigo", err)
				}
				cfg.Unigo = exe
			}
			r, err := instancebench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printReport(cmd, r, cfg.Out)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 10, "interleaved runs of each subject (two starts each: one stopped, one killed)")
	f.StringVar(&cfg.App, "app", "./examples/sigwait", "directory of the app: prints a line, exits 0 on SIGTERM")
	f.StringVar(&cfg.Unigo, "unigo", "", "the unigo binary to time (default this one)")
	addVMFlags(cmd, &cfg.Machine, &cfg.Accel)
	f.IntVar(&cfg.MemMiB, "mem", 64, "guest memory, in MiB (unigo run's default)")
	f.StringVar(&cfg.Runtime, "container-runtime", "auto", "auto (Docker if the engine answers, else runc), docker or runc")
	addSubjectsFlag(cmd, &subjects, "unigo-detached,unigo-attached,container")
	f.StringVar(&cfg.Out, "out", "", "directory for results.json, the built files and the unigo root (default bench-results/instance-TIME)")
	f.DurationVar(&cfg.Timeout, "timeout", 60*time.Second, "limit for one step")
	return cmd
}
