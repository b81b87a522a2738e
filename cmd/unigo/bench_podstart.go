package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/bench/podstart"
)

// newBenchPodStartCmd is `unigo bench podstart` (added in bench.go).
func newBenchPodStartCmd() *cobra.Command {
	var cfg podstart.Config
	cmd := &cobra.Command{
		Use:   "podstart",
		Short: "Kubernetes pods of an app with runc vs the unigo runtime handler: start time and memory",
		Long: `Starts a private containerd (its own root, state and socket; CRI with the runtime
handlers runc and unigo; CNI on a bridge of its own) with the unigo shim built from this
repository, and makes pods of the same app two ways with crictl, as kubelet would,
interleaved (A B A B ...):

  runc   a pod with the default handler; its container the static binary in a FROM scratch image
  unigo  a pod with the runtime handler unigo; its container the app's unigo image, a VM

Each pod is timed from launching 'crictl runp' through 'crictl create' and 'crictl start'
to the app's first line in the container's log; once it idles, the Pss of all its
processes (shims, pause, the app or the container process and QEMU) is summed; then it
is removed (stopp, rmp) and its processes waited for. Needs root, containerd, ctr,
runc, crictl, the CNI plugins and iptables; run it from the repository (or give --shim).
The private containerd and everything its pods made are removed at the end, also
after a failure. Do not run it beside the e2e containerd tests: they share the bridge.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			startBench(cmd, "podstart", "", nil, &cfg.Out, &cfg.Progress)
			if cfg.Unigo == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("cannot find this unigo executable: %w: give --unigo", err)
				}
				cfg.Unigo = exe
			}
			r, err := podstart.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printReport(cmd, r, cfg.Out)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 10, "interleaved pods of each subject")
	f.StringVar(&cfg.App, "app", "./examples/httpd", "directory of the app: prints a line, then keeps running")
	f.StringVar(&cfg.Line, "line", "", "the app's first output line (default: learnt by running the app once natively)")
	f.StringVar(&cfg.Pause, "pause", "./examples/sigwait", "directory of the pods' pause program (waits for SIGTERM)")
	f.StringVar(&cfg.Unigo, "unigo", "", "the unigo binary that builds the image (default this one)")
	f.StringVar(&cfg.Shim, "shim", "", "a containerd-shim-unigo-v2 to use (default built from the module in the current directory)")
	f.DurationVar(&cfg.Settle, "settle", time.Second, "idle time between the app's line and the memory reading")
	f.StringVarP(&cfg.Out, "out", "o", "", "directory for results.json, the shim and the built files (default bench-results/podstart-TIME)")
	f.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "limit for one pod to print its line, and to go")
	return cmd
}
