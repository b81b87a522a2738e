package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
)

var imageCmd = &cobra.Command{
	Use:   "image",
	Short: "Manage the local image store",
}

var pruneAll bool

var imagePruneCmd = &cobra.Command{
	Use:   "prune [-a]",
	Short: "Delete untagged images (-a: all images) that no instance uses, and leftover files",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		s, inUse, err := storeAndUsers()
		if err != nil {
			return err
		}
		p, err := s.Prune(pruneAll, inUse)
		out := cmd.OutOrStdout()
		for _, id := range p.Images {
			fmt.Fprintf(out, "Deleted: %s\n", id)
		}
		if p.Kept != "" {
			fmt.Fprintf(cmd.ErrOrStderr(), "unigo: %s\n", p.Kept)
		}
		fmt.Fprintf(out, "Total reclaimed space: %s\n", build.HumanSize(p.Reclaimed))
		return err
	},
}

func init() {
	imagePruneCmd.Flags().BoolVarP(&pruneAll, "all", "a", false, "delete every image no instance uses, tagged or not")
	imageCmd.AddCommand(imagePruneCmd)
	rootCmd.AddCommand(imageCmd)
}
