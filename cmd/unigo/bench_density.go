package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/bench/density"
)

// newBenchDensityCmd is `unigo bench density` (added in bench.go).
func newBenchDensityCmd() *cobra.Command {
	var (
		cfg      density.Config
		subjects string
	)
	cmd := &cobra.Command{
		Use:   "density --count N",
		Short: "Many idle HTTP instances on one host: memory, idle CPU, start rate, latency; vs containers and Linux VMs",
		Long: `Starts --count instances of an HTTP app (--app, default ./examples/httpd, which serves
GET / on 8080), each publishing its port on a free 127.0.0.1 port, and measures what
they cost the host once they idle. The subjects run one after the other, never two
at once:

  unigo      'unigo run -d --name density-I -p 127.0.0.1:PORT:8080' of the app's image,
             built once into a private UNIGO_ROOT under --out; an instance is its QEMU
             and its monitor process ('unigo __monitor NAME'), found from its state
  container  the same app built plain and static in a FROM scratch image, 'docker run
             -d -p' with runc; a container is its process, its containerd-shim, its
             docker-proxy and its fuse-overlayfs (when Docker uses it); runc alone,
             without a Docker engine, publishes no ports: n/a
  linux      the same plain binary in the benchmarks' Linux microVM (Debian's cloud
             kernel, the virtio-net drivers and a network-setup /init in its
             initramfs) on the same QEMU machine, --tcg-cache and card as unigo's,
             with --linux-memory (the kernel runs out of memory in 80M); an
             instance is its QEMU, started by the benchmark itself

For each: at most --parallel start commands in flight; the start throughput
(instances/s, from the first start to the last start command's return) and each
instance's time from its start command to its first 200 (GET / polled every 50 ms).
Memory guard: the first 2 are started and measured first, and a count that would
not fit in MemAvailable less 2 GiB is refused (--fill: cut to as many as fit, to learn
how many do); no more are started once MemAvailable
is under 1 GiB (the report says how many held). Once all answer and have idled
--settle: per instance RSS and PSS (/proc/PID/smaps_rollup of each of its processes),
as median (min–max) and total; the host's MemAvailable before and with all running
(/proc/meminfo) and the swap in use; idle CPU, utime+stime (/proc/PID/stat) over
--window, as CPU-seconds per instance per minute and % of one core for all together.
Then GET / on --pokes instances at random, one after the other (median, p99, max,
how many over 1 s); the list command (unigo ps, docker ps; Linux VMs have none)
three times. Last,
everything it started is removed and checked gone: no instance, no QEMU or monitor
of the root, no container; also after a failure or Ctrl-C.

With --net tap (as root) no instance publishes a port: the benchmark makes a tap
device per VM (udensI), each a /30 link to the host in 10.203.0.0/16 (not one bridge:
its broadcasts would wake every VM), starts each unigo VM with '--net tap:udensI --ip
10.203.X.Y/30' and each Linux VM on the same card, runs the containers on Docker's
bridge without -p, and reaches every instance at its own address; it removes the
taps afterwards. QEMU then runs no user-mode
network, whose timer wakes an idle VM's QEMU twice a second for a published port.

Memory regression check: with --max-pss SIZE, unigo's median PSS per instance must
be at most SIZE; with --baseline FILE (an earlier results.json of the same --count,
--memory, --tcg-cache, machine and accelerator), at most --tolerance more than that
run's. A failed check is printed with the report and makes the exit status 1.

Writes results.json (with every instance's numbers) and chart.svg to --out. The
VMs get --memory and --accel as unigo run does (this machine has no usable KVM:
tcg). Run nothing else heavy meanwhile: the idle CPU is the host's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			startBench(cmd, "density", subjects, &cfg.Subjects, &cfg.Out, &cfg.Progress)
			if cfg.Unigo == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("cannot find this unigo executable: %w: give --unigo", err)
				}
				cfg.Unigo = exe
			}
			r, err := density.Run(cmd.Context(), cfg)
			if r == nil {
				return err
			}
			if perr := printReport(cmd, r, cfg.Out); perr != nil {
				return perr
			}
			fmt.Fprintf(cmd.OutOrStdout(), "chart:   %s\n", filepath.Join(cfg.Out, "chart.svg"))
			return err // the regression check's
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Count, "count", 0, "instances of each subject (required)")
	f.StringVar(&cfg.App, "app", "./examples/httpd", "directory of the app: serves GET / with 200 on --guest-port")
	f.IntVar(&cfg.GuestPort, "guest-port", 8080, "the port the app serves on")
	f.StringVar(&cfg.Unigo, "unigo", "", "the unigo binary that runs the instances (default this one)")
	addVMFlags(cmd, &cfg.Machine, &cfg.Accel)
	f.StringVar(&cfg.Memory, "memory", "64M", "guest memory of each unigo VM, as unigo run --memory takes it")
	f.StringVar(&cfg.LinuxMemory, "linux-memory", "128M", "guest memory of each Linux microVM (it needs more than unigo's)")
	f.StringVar(&cfg.TCGCache, "tcg-cache", "", "bound each VM's TCG code cache, as unigo run --tcg-cache takes it (default: QEMU's)")
	f.IntVar(&cfg.Parallel, "parallel", 2, "start commands in flight at once")
	f.StringVar(&cfg.Net, "net", "user", "user: each instance publishes a loopback port; tap: each VM gets a tap device, a /30 link of its own to the host (root), containers Docker's bridge")
	f.BoolVar(&cfg.Fill, "fill", false, "start as many as fit in memory when --count does not, instead of refusing")
	f.IntVar(&cfg.Pokes, "pokes", 0, "instances poked at random with one GET / each (default min(count, 50))")
	f.DurationVar(&cfg.Settle, "settle", 30*time.Second, "idle time after all answer, before measuring")
	f.DurationVar(&cfg.Window, "window", 30*time.Second, "how long the idle CPU is measured")
	f.DurationVar(&cfg.Timeout, "timeout", 3*time.Minute, "limit for one instance to answer after its start command")
	f.StringVar(&cfg.MaxPSS, "max-pss", "", "fail when unigo's median PSS per instance exceeds this size (e.g. 64M)")
	f.StringVar(&cfg.Baseline, "baseline", "", "an earlier results.json: fail when unigo's median PSS per instance exceeds its by more than --tolerance")
	f.Float64Var(&cfg.Tolerance, "tolerance", 0.10, "how much more PSS per instance than --baseline's passes (0.10: 10%)")
	addSubjectsFlag(cmd, &subjects, "unigo,container,linux")
	addLinuxCacheFlag(cmd, &cfg.LinuxCacheDir)
	f.StringVar(&cfg.Out, "out", "", "directory for results.json, chart.svg, the built files and the unigo root (default bench-results/density-TIME)")
	_ = cmd.MarkFlagRequired("count")
	return cmd
}
