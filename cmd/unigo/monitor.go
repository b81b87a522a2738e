package main

import (
	"os"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

// The monitor of a detached instance: `unigo run -d` (and start, restart)
// run the unigo binary again in this hidden mode, in a session of its own,
// with the root in $UNIGO_ROOT and a pipe on fd 3 to say it has started.
var monitorCmd = &cobra.Command{
	Use:    instance.MonitorArg + " NAME",
	Hidden: true,
	Args:   cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		is, err := openInstances()
		if err != nil {
			return err
		}
		return is.RunMonitor(args[0], os.NewFile(3, "ready"))
	},
}

func init() { rootCmd.AddCommand(monitorCmd) }
