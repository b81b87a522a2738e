package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/store"
)

var tagCmd = &cobra.Command{
	Use:   "tag SOURCE TARGET",
	Short: "Give the image SOURCE (NAME[:TAG] or ID) another name, TARGET",
	Args:  cobra.ExactArgs(2),
	RunE: func(cmd *cobra.Command, args []string) error {
		target, err := store.ParseRef(args[1])
		if err != nil {
			return fmt.Errorf("target: %w", err)
		}
		s, err := openStore()
		if err != nil {
			return err
		}
		return s.Tag(args[0], target)
	},
}

func init() { rootCmd.AddCommand(tagCmd) }
