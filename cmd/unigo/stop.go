package main

import (
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var stopTime = seconds(instance.DefaultStopTime)

var stopCmd = &cobra.Command{
	Use:   "stop [--time S] NAME...",
	Short: "Stop instances: SIGTERM to the app, then power off after --time",
	Long: `Stop delivers SIGTERM to the app of each instance (as os/signal sees it), waits
for the app to exit, and powers the VM off if it has not after --time. The
instance then shows as 'exited (CODE)' when the app exited by itself, or
'exited (stopped)' when it was powered off. A stopped instance is not
restarted by its restart policy.`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, names []string) error {
		return eachInstance(cmd, names, func(is *instance.Instances, name string) error {
			_, err := is.Stop(name, time.Duration(stopTime))
			return err
		})
	},
}

func init() {
	stopCmd.Flags().VarP(&stopTime, "time", "t", "seconds the app has to exit after SIGTERM")
	rootCmd.AddCommand(stopCmd)
}
