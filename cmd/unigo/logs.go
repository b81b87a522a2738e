package main

import (
	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var logsFlags struct {
	follow     bool
	tail       int
	timestamps bool
}

var logsCmd = &cobra.Command{
	Use:   "logs [-f] [--tail N] NAME",
	Short: "Show an instance's console: the app's stdout and stderr, and kernel messages",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		is, err := openInstances()
		if err != nil {
			return err
		}
		return is.Logs(cmd.Context(), args[0], instance.LogOptions{
			Tail:       logsFlags.tail,
			Follow:     logsFlags.follow,
			Timestamps: logsFlags.timestamps,
			Stdout:     cmd.OutOrStdout(),
			Stderr:     cmd.ErrOrStderr(),
		})
	},
}

func init() {
	f := logsCmd.Flags()
	f.BoolVarP(&logsFlags.follow, "follow", "f", false, "keep showing new output until the instance ends")
	f.IntVarP(&logsFlags.tail, "tail", "n", -1, "show only the last N lines")
	f.BoolVarP(&logsFlags.timestamps, "timestamps", "t", false, "begin each line with the time it was written")
	rootCmd.AddCommand(logsCmd)
}
