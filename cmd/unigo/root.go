package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// rootCmd is the unigo command; each subcommand adds itself in its file's
// init, so a new command is a new file.
var rootCmd = &cobra.Command{
	Use:   "unigo",
	Short: "Build and run Go programs as unikernels",
	Long: `unigo turns an ordinary Go program into a unikernel: one bootable image that
holds the program and the parts of an operating system it uses, nothing else.
The image boots in a virtual machine (QEMU, with KVM when the host has it).

  unigo build ./cmd/hello          # writes hello.img
  unigo run hello.img arg1 arg2    # boots it; exits with the app's exit code
  unigo run ./cmd/hello            # builds, then boots

Exit codes of unigo run: the app's own; 128+N if the app died of signal N;
122 if the unigo kernel crashed or the VM reset; 125 if unigo itself failed
(bad image, missing QEMU, build error); 130 when stopped with Ctrl-C.`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func init() {
	rootCmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w: see '%s --help'", err, cmd.CommandPath())
	})
}

// exitError ends unigo with a given exit code and nothing more to say:
// whatever there was to say has been said.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitFailed is the exit code when unigo itself fails (docs/boot-contract.md).
const exitFailed = 125

// Execute runs the command line and exits. Errors are one line on stderr,
// "unigo: <what happened>: <what to do>", and exit code 125; SIGINT and
// SIGTERM cancel the command's context, and unigo then exits 128+signal
// (130 for Ctrl-C) unless the command had a better code to exit with.
func Execute() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got os.Signal
	done := make(chan struct{})
	go func() {
		select {
		case got = <-sigs:
			cancel()
		case <-done:
		}
	}()

	err := rootCmd.ExecuteContext(ctx)
	close(done)
	var exit exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.code)
	case err != nil && ctx.Err() != nil:
		sig, _ := got.(syscall.Signal)
		fmt.Fprintf(os.Stderr, "unigo: interrupted (%v)\n", got)
		os.Exit(128 + int(sig))
	case err != nil:
		fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
		os.Exit(exitFailed)
	}
}
