package main

import (
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/bench/boot"
	"unigo.dev/unigo/bench/compare"
	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/hostnet"
)

func init() {
	benchCmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure unigo against its baselines on this machine",
		Long: `Benchmarks that run unigo side by side with its baselines, on this machine,
in one run, and write what they measured (with the commands) to results.json.`,
	}
	benchCmd.AddCommand(newBenchBootCmd(), newBenchCompareCmd(), newBenchFilesCmd(), newBenchVolumeCmd(), newBenchBoltCmd(), newBenchInstanceCmd(), newBenchDensityCmd(), newBenchRegistryCmd(), newBenchDockerRunCmd(), newBenchPodStartCmd(), newBenchLinuxKernelCmd())
	rootCmd.AddCommand(benchCmd)
}

func newBenchBootCmd() *cobra.Command {
	var (
		cfg      boot.Config
		subjects string
		noMemory bool
	)
	cmd := &cobra.Command{
		Use:   "boot",
		Short: "Boot time, size, memory and idle CPU: QEMU floor vs Linux microVM vs unigo",
		Long: `Boots its subjects in the same QEMU command line, interleaved (A B C A B C ...):

  floor       a trivial PVH guest that prints one line and powers off: what QEMU itself costs
  linux       Debian's cloud kernel (fetched with apt-get, booted as an uncompressed vmlinux
              through PVH) with an initramfs holding only the app, built plain, as /init
  unigo       the unigo image of the app
  unigo-exec  (on request) the image that boots the app's plain binary unmodified
              (unigo build --exec)

With --exec PROG the app is PROG, a static x86-64 executable in any language, as it
is (nothing is built): linux boots it as /init, unigo-exec boots it unmodified, and
unigo is the linked image of the Go app --ref-app (default ./examples/hello), the
yardstick an unmodified program is held to ('vs unigo linked'). Each subject waits
for the first line of its own app, learnt by running it natively.

It reports, as medians with min–max: the time from launching QEMU to the app's first
line on the console and to QEMU's exit; the size of what QEMU boots; the least memory
(-m) that still prints the line; and the host CPU an idle VM (--idle-app) uses.
A column that cannot be measured says n/a and why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Exec != "" && !cmd.Flags().Changed("app") {
				cfg.App = ""
			}
			startBench(cmd, "boot", subjects, &cfg.Subjects, &cfg.Out, &cfg.Progress)
			cfg.SkipMemory = noMemory
			r, err := boot.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printReport(cmd, r, cfg.Out)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 10, "timed boots of each subject")
	addVMFlags(cmd, &cfg.Machine, &cfg.Accel)
	f.StringVar(&cfg.App, "app", "./examples/hello", "directory of the Go main package to boot")
	f.StringVar(&cfg.Exec, "exec", "", "boot this static x86-64 executable (any language) as it is instead of --app")
	f.StringVar(&cfg.RefApp, "ref-app", "", "with --exec: the Go main package whose linked unigo image is the unigo subject, the yardstick (default ./examples/hello)")
	f.StringVar(&cfg.Line, "line", "", "the app's first output line (default: learnt by running the app once natively)")
	f.StringVar(&cfg.Out, "out", "", "directory for results.json and the built files (default bench-results/boot-TIME)")
	f.IntVar(&cfg.MemMiB, "mem", 256, "guest memory of the timed boots, in MiB")
	f.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "limit for one boot")
	addSubjectsFlagOf(cmd, &subjects, "floor,linux,unigo,unigo-exec", "floor,linux,unigo; with --exec all")
	f.BoolVar(&noMemory, "no-memory", false, "skip the search for the least memory")
	f.DurationVar(&cfg.MemoryBudget, "memory-budget", 90*time.Second, "time limit of one subject's memory search")
	f.StringVar(&cfg.IdleApp, "idle-app", "./examples/idle", `app that prints a line and idles, for the idle-CPU measurement ("-" skips it)`)
	f.DurationVar(&cfg.IdleDuration, "idle", 10*time.Second, "how long to measure an idle VM's host CPU")
	addLinuxCacheFlag(cmd, &cfg.LinuxCacheDir)
	return cmd
}

func newBenchCompareCmd() *cobra.Command {
	var (
		cfg      compare.Config
		subjects string
		noMemory bool
		network  string
	)
	cmd := &cobra.Command{
		Use:   "compare APP",
		Short: "The same app as a process, a container, a Linux microVM and a unikernel, side by side",
		Long: `Builds the Go main package APP once and runs it four ways on this machine, interleaved
(A B C D A B C D ...), and a fifth on request:

  native      the plain static binary (CGO_ENABLED=0 go build) as a host process
  container   the same binary in a FROM scratch image run by the Docker engine, or,
              when no engine answers, in a minimal OCI bundle run by runc
  linux       the same binary as /init of Debian's cloud kernel, in QEMU
  unigo       the unigo image of APP, in the same QEMU
  unigo-exec  the plain binary booted unmodified (unigo build --exec), in the same QEMU
              (--subjects ...,unigo-exec)

and reports, as medians with min–max: the time to the app's first line (with --http,
to its first HTTP 200, and requests/s and p50/p99 latency under a bounded wrk load); the
artifact's size; the least memory it runs in (with --http: still serves) and the host
RSS of an idle instance; its
attack surface: the system calls the app can reach, the executable files in the
artifact, and whether a shell is there. Writes results.json and chart.svg to --out.
A column that cannot be measured says n/a and why.

With --http PORT the app must serve GET / on PORT (it also gets PORT in $PORT); the load
is wrk (Debian package wrk), run as wrk -t2 -c64 -d10s --latency against each way by
default (--load-threads, --load-conns, --load). Both VMs get the network card of
unigo run -p (QEMU user networking, the machine's virtio-net device); the benchmark
refuses to run if their QEMU command lines differ beyond what they boot. With
--net tap[:NAME] (root) both get the card of unigo run --net tap:NAME --ip ADDR
instead, on a tap device set up as README "Networking on a tap device" shows, and the
load goes straight to the guest's address (--guest-ip): no user-network forwarding
in the way.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.App = args[0]
			if err := compareNetFlags(cmd, network, &cfg); err != nil {
				return err
			}
			startBench(cmd, "compare", subjects, &cfg.Subjects, &cfg.Out, &cfg.Progress)
			cfg.SkipMemory = noMemory
			r, err := compare.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout())
			if err := r.WriteTable(cmd.OutOrStdout()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\nresults: %s\nchart:   %s\n", filepath.Join(cfg.Out, "results.json"), filepath.Join(cfg.Out, "chart.svg"))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.HTTPPort, "http", 0, "the port the app serves HTTP on: also measure time to the first HTTP 200, requests/s and p99")
	f.IntVar(&cfg.Runs, "runs", 10, "interleaved runs of each way")
	f.StringVar(&cfg.Out, "out", "", "directory for results.json, chart.svg and the built files (default bench-results/compare-TIME)")
	addSubjectsFlagOf(cmd, &subjects, "native,container,linux,unigo,unigo-exec", "all but unigo-exec")
	f.StringVar(&cfg.Runtime, "container-runtime", "auto", "auto (Docker if the engine answers, else runc), docker or runc")
	f.StringVar(&cfg.Line, "line", "", "the app's first output line (default: learnt by running the app once natively)")
	f.StringVar(&cfg.Machine, "machine", "microvm", "QEMU machine type of the VMs: microvm or pc")
	f.StringVar(&cfg.Accel, "accel", "tcg", "accelerator of the VMs: tcg, kvm, or auto (KVM when /dev/kvm opens)")
	f.IntVar(&cfg.MemMiB, "mem", 256, "memory of the VMs' timed runs and the top of the memory searches, in MiB")
	f.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "limit for one run")
	f.BoolVar(&noMemory, "no-memory", false, "skip the search for the least memory")
	f.DurationVar(&cfg.MemoryBudget, "memory-budget", 90*time.Second, "time limit of one subject's memory search")
	f.StringVar(&cfg.IdleApp, "idle-app", "./examples/idle", `app that prints a line and idles, for the idle-memory measurement without --http ("-" skips it)`)
	f.DurationVar(&cfg.LoadDuration, "load", 10*time.Second, "length of the HTTP load in each run (wrk -d)")
	f.IntVar(&cfg.LoadThreads, "load-threads", 2, "threads of the HTTP load (wrk -t)")
	f.IntVar(&cfg.LoadConns, "load-conns", 64, "concurrent keep-alive connections of the HTTP load (wrk -c)")
	f.StringVar(&cfg.Wrk, "wrk", "wrk", "the wrk binary that makes the HTTP load (Debian package wrk)")
	f.IntVar(&cfg.ServeRequests, "serve-requests", 20, "with --http, the least-memory search counts a VM as serving once it answered its first request and this many more")
	f.StringVar(&network, "net", "user", "the VMs' network with --http: user (QEMU user networking, a forwarded loopback port) or tap[:NAME] (the host's tap device, default unigo0; root)")
	f.StringVar(&cfg.GuestIP, "guest-ip", compare.DefaultGuestIP, "with --net tap: the VMs' static address ADDR/PREFIX on the tap's network")
	addLinuxCacheFlag(cmd, &cfg.LinuxCacheDir)
	return cmd
}

// compareNetFlags checks --net and --guest-ip before anything is built.
func compareNetFlags(cmd *cobra.Command, network string, cfg *compare.Config) error {
	mode, tap, err := hostnet.ParseNet(network)
	if err != nil {
		return err
	}
	switch mode {
	case hostnet.ModeUser:
		if cmd.Flags().Changed("guest-ip") {
			return fmt.Errorf("--guest-ip is for --net tap: on the user network the guests are QEMU's 10.0.2.15")
		}
		cfg.GuestIP = ""
		return nil
	case hostnet.ModeTap:
		if cfg.HTTPPort == 0 {
			return fmt.Errorf("--net tap needs --http: only the HTTP measurements use the network")
		}
		if tap == "" {
			tap = hostnet.DefaultTap
		}
		cfg.Tap = tap
		if p, err := netip.ParsePrefix(cfg.GuestIP); err != nil || !p.Addr().Is4() {
			return fmt.Errorf("--guest-ip %q: give an IPv4 ADDR/PREFIX, e.g. %s", cfg.GuestIP, compare.DefaultGuestIP)
		}
		return nil
	}
	return fmt.Errorf("--net %q: bench compare takes user or tap[:NAME]", network)
}

func newBenchLinuxKernelCmd() *cobra.Command {
	var cacheDir string
	cmd := &cobra.Command{
		Use:   "linux-kernel",
		Short: "Fetch the Linux baseline's kernel (Debian's cloud kernel) and print where it is",
		Long: `Fetches the kernel that linux-image-cloud-amd64 depends on with apt-get download,
unpacks it into the cache and extracts its uncompressed vmlinux (booted through PVH),
then prints the files and the kernel command line the boot benchmark uses.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cacheDir == "" {
				d, err := linuxvm.DefaultCacheDir()
				if err != nil {
					return err
				}
				cacheDir = d
			}
			k, err := linuxvm.Fetch(cmd.Context(), cacheDir)
			if err != nil {
				return err
			}
			khz, _, _ := linuxvm.HostTSCKHz()
			boot, how := k.BootFile()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "package: %s %s (%s compressed)\n", k.Package, k.Version, k.Compression)
			fmt.Fprintf(out, "bzImage: %s\n", k.BzImage)
			fmt.Fprintf(out, "boot:    %s (%s)\n", boot, how)
			fmt.Fprintf(out, "append:  %s\n", linuxvm.CommandLine(khz))
			return nil
		},
	}
	addLinuxCacheFlag(cmd, &cacheDir)
	return cmd
}

// printReport prints a benchmark's table and where its results.json is.
func printReport(cmd *cobra.Command, r interface{ WriteTable(io.Writer) error }, out string) error {
	fmt.Fprintln(cmd.OutOrStdout())
	if err := r.WriteTable(cmd.OutOrStdout()); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "\nresults: %s\n", filepath.Join(out, "results.json"))
	return nil
}
