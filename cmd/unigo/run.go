package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/internal/memsize"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/store"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

var runFlags struct {
	memory        string
	env           []string
	machine       string
	accel         string
	verbose       bool
	traceSyscalls bool
	kernelOpts    []string
	detach        bool
	name          string
	restart       string
	tmpfs         []string
	readOnly      bool
	tcgCache      string
	netStack      bool
	interactive   bool
	volumes       []string
	publish       []string
	network       string
	ip            string
	gateway       string
	dns           []string
	addHosts      []string
	mac           string
	cpuProfile    string
	cpuProfileHz  int
}

var runCmd = &cobra.Command{
	Use:   "run [flags] IMAGE|PACKAGE [--] [ARG...]",
	Short: "Boot a unikernel image in a VM, attached to this terminal or detached (-d)",
	Long: `Run boots IMAGE in a virtual machine and waits for it. IMAGE is an image file
(made by 'unigo build -o'), or an image of the store by NAME[:TAG] or ID (made
by 'unigo build -t'; its args, env and memory are the defaults). If the
argument is a package (a directory or an import path) instead, run builds it
first, into a temporary image; if it is an unmodified statically linked
x86-64 Linux executable (C, Rust, Go built with CGO_ENABLED=0...), run makes
a temporary image that boots it, as 'unigo build --exec' would.

With -d, the image (from the store) boots as a detached instance: run prints
its name and returns, and 'unigo ps', 'logs', 'stop', 'kill', 'restart', 'rm'
and 'inspect' manage it; a small monitor process (no daemon) supervises it.

The app's stdout and stderr are this terminal's; kernel messages go to stderr
too, and a kernel crash report names the source lines of its code addresses.
ARGs after the image are the app's arguments: everything after IMAGE goes to
the app, flags included; os.Args[0] is the image's name without extension.

QEMU runs with KVM when /dev/kvm is usable, in software emulation otherwise
(-v says which; --accel or $UNIGO_ACCEL choose). Ctrl-C stops the VM.

unigo run exits with the app's exit code; 128+N if the app died of signal N;
122 if the unigo kernel crashed or the VM reset; 125 if unigo itself failed;
130 if stopped with Ctrl-C.`,
	Example: `  unigo run hello.img
  unigo run --memory 256M --env GREETING=hi hello.img -- -name world
  unigo run --verbose ./examples/hello
  unigo run ./server -- --port 8080     # a static executable, unmodified
  unigo volume create data --size 1G && unigo run -v data:/data ./app
  unigo run -v ./data:/data -v /etc/app:/config:ro ./app
  unigo run -d --name web --restart on-failure:3 -p 8080:80 web:v1
  unigo run --net tap:unigo0 --ip 192.168.100.10/24 --gateway 192.168.100.1 --dns 192.168.100.1 web:v1
  unigo run --net dhcp --add-host db:10.0.2.2 ./app
  unigo run --tmpfs /var/cache ./app
  unigo run --cpuprofile cpu.pprof ./app && go tool pprof -top cpu.pprof`,
	Args: cobra.MinimumNArgs(1),
	RunE: runRun,
}

func init() {
	f := runCmd.Flags()
	f.SetInterspersed(false) // flags after IMAGE belong to the app
	f.StringVarP(&runFlags.memory, "memory", "m", "64M", "guest memory, with a unit: K, M or G")
	f.StringArrayVarP(&runFlags.env, "env", "e", nil, "set an environment variable of the app: KEY=VALUE, or KEY to pass this shell's value (repeatable)")
	f.StringVar(&runFlags.machine, "machine", qemu.MachineMicroVM, "QEMU machine: microvm (fastest boot) or pc")
	f.StringVar(&runFlags.accel, "accel", defaultAccel(), "accelerator: auto (KVM if usable), kvm or tcg (software emulation); default from $UNIGO_ACCEL")
	f.BoolVar(&runFlags.verbose, "verbose", false, "show the accelerator, the QEMU command line and build steps")
	f.StringArrayVarP(&runFlags.publish, "publish", "p", nil, "publish a port: HOSTPORT:GUESTPORT[/udp], or IP:HOSTPORT:GUESTPORT (repeatable); QEMU user-mode networking, no root needed")
	f.StringVar(&runFlags.network, "net", "", "network: user (QEMU's user-mode network, no root: the guest is 10.0.2.15 behind NAT; -p implies it), dhcp (the same, the guest asks its DHCP server), tap[:NAME] (tap device NAME on a host bridge, default "+hostnet.DefaultTap+"; DHCP unless --ip) or none")
	f.StringVar(&runFlags.ip, "ip", "", "the guest's IPv4 address and prefix length on a tap device, e.g. 192.168.100.10/24 (default: DHCP)")
	f.StringVar(&runFlags.gateway, "gateway", "", "the guest's default gateway with --ip, e.g. 192.168.100.1")
	f.StringArrayVar(&runFlags.dns, "dns", nil, "a name server for the guest's /etc/resolv.conf (repeatable, at most 3; default: the network's)")
	f.StringArrayVar(&runFlags.addHosts, "add-host", nil, "add NAME:IP to the guest's /etc/hosts (repeatable)")
	f.StringVar(&runFlags.mac, "mac-address", "", "the network card's MAC address (default: 52:54:00:12:34:56 on the user-mode network; on a tap device one derived from its name)")
	f.StringArrayVarP(&runFlags.volumes, "volume", "v", nil, "mount a volume or a host directory: NAME:/path (unigo volume create NAME), ./dir:/path (the host's directory, read-write: a bind mount) or ./disk.img:/path, :ro for read-only (repeatable: one volume or disk and up to 8 directories; adds to the image's)")
	f.BoolVar(&runFlags.traceSyscalls, "trace-syscalls", false, "print every system call the app makes on stderr")
	f.StringVar(&runFlags.cpuProfile, "cpuprofile", "", "sample the VM's CPU (app and kernel) until it ends and write a pprof profile to FILE (go tool pprof FILE)")
	f.IntVar(&runFlags.cpuProfileHz, "cpuprofile-hz", 100, "samples per second of --cpuprofile (each stops the VM briefly)")
	f.StringArrayVar(&runFlags.kernelOpts, "kernel-opt", nil, "raw kernel command-line token (repeatable; for tests)")
	f.MarkHidden("kernel-opt")
	f.BoolVarP(&runFlags.detach, "detach", "d", false, "run as a detached instance, supervised in the background")
	f.StringVar(&runFlags.name, "name", "", "the detached instance's name (default: the image's and a random suffix)")
	f.StringVar(&runFlags.restart, "restart", "no", "restart policy of a detached instance: no, on-failure[:N] or always")
	f.BoolVarP(&runFlags.interactive, "interactive", "i", false, "give the app this command's standard input (without it the app's stdin is at end of file)")
	f.StringVar(&runFlags.tcgCache, "tcg-cache", "", "under software emulation, bound QEMU's translated-code cache (e.g. 8M): less memory per VM, code translated again once it fills (default: QEMU's, up to 1G)")
	f.BoolVar(&runFlags.readOnly, "read-only", false, "keep the image's root read-only but for /tmp and --tmpfs directories (by default writes anywhere land in memory, as in a container)")
	f.BoolVar(&runFlags.netStack, "net-stack", false, "for a program (an unmodified executable): put the network stack in its kernel even if no socket call is found in it (one made by a raw syscall)")
	f.StringArrayVar(&runFlags.tmpfs, "tmpfs", nil, "make the directory PATH writable, in memory, like /tmp (repeatable; adds to the image's)")
	rootCmd.AddCommand(runCmd)
}

func runRun(cmd *cobra.Command, args []string) error {
	cfg, err := runConfig(cmd, args)
	if err != nil {
		return err
	}
	if err := checkCPUProfileFlags(); err != nil {
		return err
	}
	env, err := launchEnv()
	if err != nil {
		return err
	}
	if runFlags.detach {
		if runFlags.interactive {
			return errors.New("-i with -d: a detached instance has no standard input to give; run it attached")
		}
		return runDetached(cmd, env, cfg)
	}
	l, err := launch.Prepare(cmd.Context(), env, cfg)
	if err != nil {
		return err
	}
	defer l.Release()
	l.Spec.Stdout, l.Spec.Stderr = os.Stdout, os.Stderr
	if runFlags.interactive {
		l.Spec.Stdin = os.Stdin
	}
	var prof *cpuProfiler
	if runFlags.cpuProfile != "" {
		if prof, err = startCPUProfile(l, runFlags.cpuProfile, runFlags.cpuProfileHz); err != nil {
			return err
		}
		defer prof.cleanup()
	}
	vm, err := l.Start(cmd.Context())
	if err != nil {
		return err
	}
	if prof != nil {
		prof.start(cmd.Context())
	}
	exit, err := vm.Wait()
	if prof != nil {
		if perr := prof.finish(); perr != nil {
			fmt.Fprintf(os.Stderr, "unigo: --cpuprofile: %v\n", perr)
		}
	}
	if err != nil {
		return err
	}
	switch exit.Reason {
	case vmm.Crashed:
		fmt.Fprintf(os.Stderr, "unigo: %v: the kernel's report is above; please report it with the image's unigo version\n", exit)
	case vmm.Reset:
		fmt.Fprintf(os.Stderr, "unigo: %v: run again with --trace-syscalls to see what the app did last\n", exit)
	case vmm.VMFailed:
		fmt.Fprintf(os.Stderr, "unigo: %v: -v shows QEMU's register dump; --accel tcg may run it\n", exit)
	}
	return exitError{exit.Code()}
}

// runConfig reads run's flags and arguments into a run configuration.
// What is wrong in them is an error before anything is built.
func runConfig(cmd *cobra.Command, args []string) (launch.Config, error) {
	cfg := launch.Config{Image: args[0], Args: args[1:], Machine: runFlags.machine, Accel: runFlags.accel, Tmpfs: runFlags.tmpfs, ReadOnly: runFlags.readOnly, NetStack: runFlags.netStack}
	if len(cfg.Args) > 0 && cfg.Args[0] == "--" {
		cfg.Args = cfg.Args[1:]
	}
	var err error
	if cmd.Flags().Changed("memory") {
		if cfg.Memory, err = parseMemory(runFlags.memory); err != nil {
			return cfg, err
		}
	}
	if runFlags.tcgCache != "" {
		n, err := memsize.Parse(runFlags.tcgCache)
		if err != nil {
			return cfg, fmt.Errorf("--tcg-cache %w", err)
		}
		cfg.TCGCacheMiB = int((n + 1<<20 - 1) >> 20)
	}
	if cfg.Env, err = appEnv(runFlags.env); err != nil {
		return cfg, err
	}
	cfg.KernelOpts = append([]string{}, runFlags.kernelOpts...)
	if runFlags.traceSyscalls {
		cfg.KernelOpts = append(cfg.KernelOpts, vmm.TokenTrace)
	}
	if cfg.Restart, err = launch.ParseRestart(runFlags.restart); err != nil {
		return cfg, fmt.Errorf("--restart %w", err)
	}
	for _, p := range runFlags.publish {
		f, err := hostnet.ParsePublish(p)
		if err != nil {
			return cfg, err
		}
		cfg.Publish = append(cfg.Publish, f)
	}
	mode, tap, err := hostnet.ParseNet(runFlags.network)
	if err != nil {
		return cfg, err
	}
	cfg.Network = &hostnet.Options{Mode: mode, Tap: tap, IP: runFlags.ip, Gateway: runFlags.gateway, DNS: runFlags.dns, Hosts: runFlags.addHosts, MAC: runFlags.mac}
	if len(runFlags.volumes) > 0 {
		vs, err := openVolumes()
		if err != nil {
			return cfg, err
		}
		for _, v := range runFlags.volumes {
			m, err := vs.ParseMount(v)
			if err != nil {
				return cfg, err
			}
			cfg.Volumes = append(cfg.Volumes, m)
		}
	}
	return cfg, nil
}

// launchEnv is where runs happen: the unigo root, and -v's output.
func launchEnv() (launch.Env, error) {
	root, err := store.DefaultRoot()
	if err != nil {
		return launch.Env{}, err
	}
	env := launch.Env{Root: root}
	if runFlags.verbose {
		env.Verbose = os.Stderr
	}
	return env, nil
}

// defaultAccel is $UNIGO_ACCEL, or auto: a host where KVM is present but
// misbehaves can be told once, for every run.
func defaultAccel() string {
	if a := os.Getenv("UNIGO_ACCEL"); a != "" {
		return a
	}
	return "auto"
}

// appEnv turns --env values into KEY=VALUE pairs; a bare KEY takes this
// process's value, as docker run does.
func appEnv(vals []string) ([]string, error) {
	var env []string
	for _, v := range vals {
		key, _, hasValue := strings.Cut(v, "=")
		switch {
		case key == "":
			return nil, fmt.Errorf("--env %q has no variable name: use --env KEY=VALUE", v)
		case hasValue:
			env = append(env, v)
		default:
			val, ok := os.LookupEnv(key)
			if !ok {
				return nil, fmt.Errorf("--env %s: %s is not set here: use --env %s=VALUE", key, key, key)
			}
			env = append(env, key+"="+val)
		}
	}
	return env, nil
}

// parseMemory reads the --memory flag.
func parseMemory(s string) (int64, error) {
	n, err := memsize.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("--memory %w", err)
	}
	return n, nil
}
