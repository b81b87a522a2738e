package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/bench/dockerrun"
)

// newBenchDockerRunCmd is `unigo bench dockerrun` (added in bench.go).
func newBenchDockerRunCmd() *cobra.Command {
	var cfg dockerrun.Config
	cmd := &cobra.Command{
		Use:   "dockerrun",
		Short: "docker run --rm of an app with runc vs --runtime=unigo, to its first line and exit",
		Long: `Runs 'docker run --rm' of the app two ways on this machine's Docker engine,
interleaved (A B A B ...):

  runc   the static binary in a FROM scratch image (Docker's default runtime)
  unigo  the app's unigo image (unigo save | docker load), --runtime=RUNTIME

timing each from launching the docker command to the app's first line on its output,
and to its exit. With --http PORT the app is a server: 'docker run -d -p' to its first
HTTP 200, then wrk -t2 -c64 through Docker's port mapping (requests/s, p99). The unigo runtime must be registered in Docker's daemon.json first
(README: docker run --runtime=unigo); --runtime names it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			startBench(cmd, "dockerrun", "", nil, &cfg.Out, &cfg.Progress)
			if cfg.Unigo == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("cannot find this unigo executable: %w: give --unigo", err)
				}
				cfg.Unigo = exe
			}
			r, err := dockerrun.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printReport(cmd, r, cfg.Out)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 10, "interleaved runs of each subject")
	f.StringVar(&cfg.App, "app", "", "directory of the app: prints a line and exits (default ./examples/hello; with --http ./examples/httpd)")
	f.StringVar(&cfg.Unigo, "unigo", "", "the unigo binary that builds the image (default this one)")
	f.StringVar(&cfg.Runtime, "runtime", "unigo", "the unigo runtime's name in Docker's daemon.json")
	f.StringVar(&cfg.Out, "out", "", "directory for results.json and the built files (default bench-results/dockerrun-TIME)")
	f.DurationVar(&cfg.Timeout, "timeout", time.Minute, "limit for one docker run")
	f.IntVar(&cfg.HTTPPort, "http", 0, "run the app as an HTTP server on this port instead (default app ./examples/httpd): docker run -d -p to the first 200, then wrk through the port mapping")
	f.DurationVar(&cfg.Load.Duration, "load", 10*time.Second, "with --http: how long wrk loads each server (-t2 -c64)")
	return cmd
}
