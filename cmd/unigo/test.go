package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

var testFlags struct {
	run, skip, memory, machine, accel string
	verbose, short                    bool
	timeout                           time.Duration
}

var testCmd = &cobra.Command{
	Use:   "test [flags] [PACKAGE...]",
	Short: "Run Go tests inside the unikernel, like go test",
	Long: `Test builds each package's test binary with the unigo kernel, boots it as a
unikernel and reports ok or FAIL per package, as go test does. The package's
directory (its testdata/ included) is the tests' working directory; what the
tests write there stays in the VM's memory, as /tmp. Standard-library packages work too: unigo test strings.

unigo test exits 0 when every package passed, 1 otherwise.`,
	Example: `  unigo test ./...
  unigo test -run TestReader -v strings
  unigo test encoding/json`,
	// Flags are go test's: -run and --run both work, so they are parsed
	// with the standard flag package rather than cobra.
	DisableFlagParsing: true,
	RunE:               runTest,
}

// testFlagSet declares unigo test's flags on fs.
func testFlagSet() *flag.FlagSet {
	f := flag.NewFlagSet("unigo test", flag.ContinueOnError)
	f.StringVar(&testFlags.run, "run", "", "run only the tests matching this regular expression (go test -run)")
	f.StringVar(&testFlags.skip, "skip", "", "skip the tests matching this regular expression (go test -skip)")
	f.BoolVar(&testFlags.verbose, "v", false, "print every test's output (go test -v)")
	f.BoolVar(&testFlags.short, "short", true, "tell long-running tests to shorten (go test -short)")
	f.DurationVar(&testFlags.timeout, "timeout", 10*time.Minute, "fail a package whose tests run longer than this")
	f.StringVar(&testFlags.memory, "memory", "512M", "guest memory per test binary")
	f.StringVar(&testFlags.machine, "machine", qemu.MachineMicroVM, "QEMU machine: microvm or pc")
	f.StringVar(&testFlags.accel, "accel", defaultAccel(), "accelerator: auto, kvm or tcg")
	return f
}

func init() {
	var usage strings.Builder
	f := testFlagSet()
	f.SetOutput(&usage)
	f.PrintDefaults()
	testCmd.Long += "\n\nFlags:\n" + usage.String()
	rootCmd.AddCommand(testCmd)
	rootCmd.AddCommand(&cobra.Command{
		Use: build.ToolexecCommand, Hidden: true, DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			if err := build.Toolexec(args); err != nil {
				if ee, ok := err.(interface{ ExitCode() int }); ok {
					os.Exit(ee.ExitCode())
				}
				return err
			}
			return nil
		},
	})
}

func runTest(cmd *cobra.Command, args []string) error {
	f := testFlagSet()
	f.SetOutput(io.Discard)
	if err := f.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return cmd.Help()
		}
		return fmt.Errorf("%v: see 'unigo test --help'", err)
	}
	pkgs := f.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"."}
	}
	pkgs, err := build.ExpandPatterns(cmd.Context(), "", pkgs)
	if err != nil {
		return err
	}
	mem, err := parseMemory(testFlags.memory)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the unigo executable: %w", err)
	}
	tmp, err := os.MkdirTemp("", "unigo-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	failed := false
	for i, pattern := range pkgs {
		img := filepath.Join(tmp, fmt.Sprintf("pkg%d.img", i))
		start := time.Now()
		pkg, err := build.BuildTest(cmd.Context(), build.TestOptions{Package: pattern, Output: img, Toolexec: self})
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL\t%s [build failed]\n%v\n", pattern, err)
			failed = true
			continue
		}
		if !pkg.HasTests {
			fmt.Printf("?   \t%s\t[no test files]\n", pkg.ImportPath)
			continue
		}
		args := []string{pkg.ImportPath + ".test", "-test.paniconexit0", "-test.timeout=" + testFlags.timeout.String()}
		if testFlags.short {
			args = append(args, "-test.short")
		}
		if testFlags.verbose {
			args = append(args, "-test.v=true")
		}
		if testFlags.run != "" {
			args = append(args, "-test.run="+testFlags.run)
		}
		if testFlags.skip != "" {
			args = append(args, "-test.skip="+testFlags.skip)
		}
		out := &tailBuffer{}
		l, err := launch.Prepare(cmd.Context(), launch.Env{}, launch.Config{
			Image: img, Argv0: args[0], Args: args[1:], Env: build.TestEnv(cmd.Context()),
			Memory: mem, Machine: testFlags.machine, Accel: testFlags.accel,
			KernelOpts: []string{"cwd=" + pkg.Dir},
		})
		if err != nil {
			return err
		}
		l.Spec.Stdout, l.Spec.Stderr = out, out
		if testFlags.verbose {
			l.Spec.Stdout, l.Spec.Stderr = os.Stdout, os.Stderr
		}
		exit, err := runToEnd(cmd.Context(), l)
		if err != nil {
			return err
		}
		elapsed := time.Since(start).Seconds()
		if exit.Reason == vmm.Exited && exit.Status == 0 {
			fmt.Printf("ok  \t%s\t%.3fs\n", pkg.ImportPath, elapsed)
			continue
		}
		failed = true
		if !testFlags.verbose {
			os.Stdout.Write(out.Bytes())
		}
		fmt.Printf("FAIL\t%s\t%.3fs (%v)\n", pkg.ImportPath, elapsed, exit)
	}
	if failed {
		return exitError{1}
	}
	return nil
}

// runToEnd boots a prepared launch and waits for the VM to end.
func runToEnd(ctx context.Context, l *launch.Launch) (vmm.Exit, error) {
	defer l.Release()
	vm, err := l.Start(ctx)
	if err != nil {
		return vmm.Exit{}, err
	}
	return vm.Wait()
}

// tailBuffer keeps a test binary's output to show when it fails.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 1<<20 {
		t.b = t.b[len(t.b)-1<<20:]
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte { return t.b }
