package main

import (
	"errors"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var startCheckpoint string

var startCmd = &cobra.Command{
	Use:   "start NAME...",
	Short: "Boot instances that have exited again",
	Long: `Start boots each instance again, with the configuration it was created with.

With --checkpoint CHECKPOINT (one instance), the instance resumes from that
checkpoint of it ('unigo checkpoint') instead of booting: the app goes on where it
was, its memory as it was; its wall clock is set to now. The checkpoint stays, to
resume from again.`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, names []string) error {
		if startCheckpoint != "" && len(names) > 1 {
			return errors.New("--checkpoint resumes one instance: give one NAME")
		}
		return eachInstance(cmd, names, func(is *instance.Instances, name string) error {
			if startCheckpoint != "" {
				return is.StartFrom(cmd.Context(), name, startCheckpoint)
			}
			return is.Start(cmd.Context(), name)
		})
	},
}

func init() {
	startCmd.Flags().StringVar(&startCheckpoint, "checkpoint", "", "resume from this checkpoint of the instance instead of booting")
	rootCmd.AddCommand(startCmd)
}
