package main

import (
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var restartTime = seconds(instance.DefaultStopTime)

var restartCmd = &cobra.Command{
	Use:   "restart [--time S] NAME...",
	Short: "Stop instances (as 'unigo stop' does) and boot them again",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, names []string) error {
		return eachInstance(cmd, names, func(is *instance.Instances, name string) error {
			return is.Restart(cmd.Context(), name, time.Duration(restartTime))
		})
	},
}

func init() {
	restartCmd.Flags().VarP(&restartTime, "time", "t", "seconds the app has to exit after SIGTERM")
	rootCmd.AddCommand(restartCmd)
}
