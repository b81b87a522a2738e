package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	registrybench "unigo.dev/unigo/bench/registry"
)

// newBenchRegistryCmd is `unigo bench registry` (added in bench.go).
func newBenchRegistryCmd() *cobra.Command {
	var (
		cfg      registrybench.Config
		subjects string
	)
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Ship an app through a registry: unigo push/pull vs docker push/pull of a FROM scratch image",
		Long: `Ships the app through a container registry two ways, interleaved (A B A B ...):

  unigo   its unigo image: 'unigo push', then 'unigo pull' into an empty UNIGO_ROOT
  docker  the same static binary in a FROM scratch image: 'docker push', then
          'docker pull' after 'docker rmi' (the engine has none of its layers)

Each run starts an empty registry (Debian's docker-registry) on loopback behind a proxy
that counts the bytes on the wire, and reports, as medians with min–max: the time of
each command, the bytes each moved, and the image's size in the registry. The unigo
timed is this executable (--unigo to time another).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			startBench(cmd, "registry", subjects, &cfg.Subjects, &cfg.Out, &cfg.Progress)
			if cfg.Unigo == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("cannot find this unigo executable to time: %w: give --unigo", err)
				}
				cfg.Unigo = exe
			}
			r, err := registrybench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printReport(cmd, r, cfg.Out)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 5, "interleaved runs of each subject")
	f.StringVar(&cfg.App, "app", "./examples/httpd", "directory of the Go main package to ship")
	f.StringVar(&cfg.Unigo, "unigo", "", "the unigo binary to time (default this one)")
	addSubjectsFlag(cmd, &subjects, "unigo,docker")
	f.StringVar(&cfg.Out, "out", "", "directory for results.json and the built files (default bench-results/registry-TIME)")
	f.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "limit for one command")
	return cmd
}
