package main

import (
	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var startCmd = &cobra.Command{
	Use:   "start NAME...",
	Short: "Boot instances that have exited again",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, names []string) error {
		return eachInstance(cmd, names, func(is *instance.Instances, name string) error {
			return is.Start(cmd.Context(), name)
		})
	},
}

func init() { rootCmd.AddCommand(startCmd) }
