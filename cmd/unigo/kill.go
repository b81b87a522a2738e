package main

import (
	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var killCmd = &cobra.Command{
	Use:   "kill NAME...",
	Short: "Power instances off at once",
	Long: `Kill powers the VM of each instance off at once (QMP quit; QEMU is killed if
it does not quit), without warning the app. The instance then shows as
'exited (killed)' and is not restarted by its restart policy.`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, names []string) error {
		return eachInstance(cmd, names, func(is *instance.Instances, name string) error {
			_, err := is.Kill(name)
			return err
		})
	},
}

func init() { rootCmd.AddCommand(killCmd) }
