package main

import (
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// What the `unigo bench` subcommands (bench.go, bench_*.go) share: flags
// that mean the same in each, and how each fills its config before its run.

// addSubjectsFlag adds --subjects, a comma-separated subset of the
// benchmark's subjects (all names them), to be split by startBench.
func addSubjectsFlag(cmd *cobra.Command, p *string, all string) {
	addSubjectsFlagOf(cmd, p, all, "all")
}

// addSubjectsFlagOf is addSubjectsFlag for a benchmark whose default is
// not all its subjects: def says which.
func addSubjectsFlagOf(cmd *cobra.Command, p *string, all, def string) {
	cmd.Flags().StringVar(p, "subjects", "", "comma-separated subset of "+all+" (default "+def+")")
}

// addVMFlags adds --machine and --accel: the QEMU machine type and the
// accelerator of the benchmark's VMs.
func addVMFlags(cmd *cobra.Command, machine, accel *string) {
	f := cmd.Flags()
	f.StringVar(machine, "machine", "microvm", "QEMU machine type: microvm or pc")
	f.StringVar(accel, "accel", "tcg", "accelerator: tcg, kvm, or auto (KVM when /dev/kvm opens)")
}

// addLinuxCacheFlag adds --linux-cache, where the Linux baseline's kernel
// is cached.
func addLinuxCacheFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "linux-cache", "", "where the Debian kernel is cached (default ~/.cache/unigo/linux-baseline)")
}

// startBench fills in what every bench subcommand fills in the same way
// before its run: the subjects from --subjects (none: the benchmark's
// default, all), the output directory (default bench-results/NAME-TIME)
// and progress lines to the command's standard error.
func startBench(cmd *cobra.Command, name, subjectsFlag string, subjects *[]string, out *string, progress *io.Writer) {
	if subjectsFlag != "" {
		*subjects = strings.Split(subjectsFlag, ",")
	}
	if *out == "" {
		*out = filepath.Join("bench-results", name+"-"+time.Now().Format("20060102-150405"))
	}
	*progress = cmd.ErrOrStderr()
}
