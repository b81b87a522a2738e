package main

import (
	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var rmForce bool

var rmCmd = &cobra.Command{
	Use:   "rm [-f] NAME...",
	Short: "Remove instances, their state and logs (-f: kill running ones first)",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, names []string) error {
		return eachInstance(cmd, names, func(is *instance.Instances, name string) error {
			return is.Remove(name, rmForce)
		})
	},
}

func init() {
	rmCmd.Flags().BoolVarP(&rmForce, "force", "f", false, "kill a running instance, then remove it")
	rootCmd.AddCommand(rmCmd)
}
