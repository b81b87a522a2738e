package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

var rmiForce bool

var rmiCmd = &cobra.Command{
	Use:   "rmi [-f] IMAGE...",
	Short: "Remove images from the store (untag; delete once no tag or instance needs them)",
	Long: `Rmi removes a tag (NAME[:TAG]) or all the tags of an image (ID); the image is
deleted when no tag is left and no instance uses it. An image an instance uses
is refused without -f; with -f it is untagged but kept for the instance, and
'unigo image prune' deletes it once the instance is removed.`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, refs []string) error {
		s, inUse, err := storeAndUsers()
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		for _, ref := range refs {
			rm, err := s.Remove(ref, rmiForce, inUse)
			for _, t := range rm.Untagged {
				fmt.Fprintf(out, "Untagged: %s\n", t)
			}
			if rm.Deleted != "" {
				fmt.Fprintf(out, "Deleted: %s\n", rm.Deleted)
			}
			if err != nil {
				return err
			}
		}
		return nil
	},
}

func init() {
	rmiCmd.Flags().BoolVarP(&rmiForce, "force", "f", false, "remove every tag of an ID, and untag images that instances use")
	rootCmd.AddCommand(rmiCmd)
}
