package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

// each runs do for every name and prints the name when it succeeded, as
// docker does. One failure is the command's error; with several, each is
// printed and the command exits 125.
func each(out io.Writer, names []string, do func(name string) error) error {
	var errs []error
	for _, name := range names {
		if err := do(name); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(out, name)
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
	}
	return exitError{exitFailed}
}

// eachInstance is each for commands on instances.
func eachInstance(cmd *cobra.Command, names []string, do func(is *instance.Instances, name string) error) error {
	is, err := openInstances()
	if err != nil {
		return err
	}
	return each(cmd.OutOrStdout(), names, func(name string) error { return do(is, name) })
}
