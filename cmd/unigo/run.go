package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/vmm"
)

var runFlags struct {
	memory        string
	env           []string
	machine       string
	accel         string
	verbose       bool
	traceSyscalls bool
	kernelOpts    []string
}

var runCmd = &cobra.Command{
	Use:   "run [flags] IMAGE|PACKAGE [--] [ARG...]",
	Short: "Boot a unikernel image in a VM, attached to this terminal",
	Long: `Run boots IMAGE (made by 'unigo build') in a virtual machine and waits for it.
If the argument is a package (a directory or an import path) instead of an
image file, run builds it first, into a temporary image.

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
  unigo run -v ./examples/hello`,
	Args: cobra.MinimumNArgs(1),
	RunE: runRun,
}

func init() {
	f := runCmd.Flags()
	f.SetInterspersed(false) // flags after IMAGE belong to the app
	f.StringVarP(&runFlags.memory, "memory", "m", "64M", "guest memory, with a unit: K, M or G")
	f.StringArrayVarP(&runFlags.env, "env", "e", nil, "set an environment variable of the app: KEY=VALUE, or KEY to pass this shell's value (repeatable)")
	f.StringVar(&runFlags.machine, "machine", vmm.MachineMicroVM, "QEMU machine: microvm (fastest boot) or pc")
	f.StringVar(&runFlags.accel, "accel", defaultAccel(), "accelerator: auto (KVM if usable), kvm or tcg (software emulation); default from $UNIGO_ACCEL")
	f.BoolVarP(&runFlags.verbose, "verbose", "v", false, "show the accelerator, the QEMU command line and build steps")
	f.BoolVar(&runFlags.traceSyscalls, "trace-syscalls", false, "print every system call the app makes on stderr")
	f.StringArrayVar(&runFlags.kernelOpts, "kernel-opt", nil, "raw kernel command-line token (repeatable; for tests)")
	f.MarkHidden("kernel-opt")
	rootCmd.AddCommand(runCmd)
}

func runRun(cmd *cobra.Command, args []string) error {
	target, appArgs := args[0], args[1:]
	if len(appArgs) > 0 && appArgs[0] == "--" {
		appArgs = appArgs[1:]
	}
	mem, err := parseMemory(runFlags.memory)
	if err != nil {
		return err
	}
	env, err := appEnv(runFlags.env)
	if err != nil {
		return err
	}
	tokens := append([]string{}, runFlags.kernelOpts...)
	if runFlags.traceSyscalls {
		tokens = append(tokens, vmm.TokenTrace)
	}

	img := target
	if !isImageArg(target) {
		tmp, err := os.MkdirTemp("", "unigo-run-")
		if err != nil {
			return fmt.Errorf("cannot create a temporary directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		img = filepath.Join(tmp, packageName(target)+".img")
		opts := build.Options{Package: target, Output: img, Verbose: runFlags.verbose}
		if runFlags.verbose {
			opts.Progress = os.Stderr
		}
		if err := build.Build(cmd.Context(), opts); err != nil {
			return err
		}
	}

	spec := vmm.Spec{
		Image:   img,
		Memory:  mem,
		Machine: runFlags.machine,
		Accel:   runFlags.accel,
		Cmdline: vmm.Cmdline{
			Args:   append([]string{strings.TrimSuffix(filepath.Base(img), filepath.Ext(img))}, appArgs...),
			Env:    env,
			Tokens: tokens,
		},
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	}
	if runFlags.verbose {
		spec.Verbose = os.Stderr
	}
	vm, err := (&vmm.QEMU{}).Start(cmd.Context(), spec)
	if err != nil {
		return err
	}
	exit, err := vm.Wait()
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

// defaultAccel is $UNIGO_ACCEL, or auto: a host where KVM is present but
// misbehaves can be told once, for every run.
func defaultAccel() string {
	if a := os.Getenv("UNIGO_ACCEL"); a != "" {
		return a
	}
	return "auto"
}

// isImageArg tells an image file from a package: an existing regular file,
// or a name ending in .img, is an image; anything else is built first.
func isImageArg(arg string) bool {
	if st, err := os.Stat(arg); err == nil {
		return st.Mode().IsRegular()
	}
	return strings.HasSuffix(arg, ".img")
}

// packageName is the name the image of a package gets: its directory's or
// import path's last element.
func packageName(pkg string) string {
	if abs, err := filepath.Abs(pkg); err == nil && (strings.HasPrefix(pkg, ".") || filepath.IsAbs(pkg)) {
		return filepath.Base(abs)
	}
	return build.DefaultName(pkg)
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

// parseMemory reads a size such as 64M, 512K or 1G (also 64MiB, 64MB; all
// binary units) into bytes.
func parseMemory(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	shift := 0
	switch {
	case strings.HasSuffix(t, "K"):
		shift = 10
	case strings.HasSuffix(t, "M"):
		shift = 20
	case strings.HasSuffix(t, "G"):
		shift = 30
	default:
		return 0, fmt.Errorf("--memory %s has no unit: write it like 64M, 512K or 1G", s)
	}
	n, err := strconv.ParseInt(t[:len(t)-1], 10, 64)
	if err != nil || n <= 0 || n > 1<<(62-shift) {
		return 0, fmt.Errorf("--memory %s is not a size: write it like 64M, 512K or 1G", s)
	}
	bytes := n << shift
	if bytes < minMemory {
		return 0, fmt.Errorf("--memory %s is too small: give at least %dM", s, minMemory>>20)
	}
	return bytes, nil
}

// minMemory is the least guest memory run accepts: the image is loaded at
// 1 MiB, and the kernel and the Go runtime need a few MiB beyond it.
const minMemory = 8 << 20
