package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
)

var inspectType string

var inspectCmd = &cobra.Command{
	Use:   "inspect [--type instance|image] NAME...",
	Short: "Show instances or images in detail, as a JSON array",
	Long: `Inspect prints a JSON array with one object per NAME: an instance (its state:
exit code and reason, boot time, QEMU and monitor pids, the last console
lines...) when an instance has that name, else an image of the store (its
ID, tags and manifest).`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, names []string) error {
		if inspectType != "" && inspectType != "instance" && inspectType != "image" {
			return fmt.Errorf("--type %s: use instance or image", inspectType)
		}
		is, err := openInstances()
		if err != nil {
			return err
		}
		s, err := openStore()
		if err != nil {
			return err
		}
		var out []any
		for _, name := range names {
			if inspectType != "image" {
				st, err := is.Get(name)
				if err == nil {
					out = append(out, st)
					continue
				}
				if !errors.Is(err, instance.ErrNotFound) || inspectType == "instance" {
					return err
				}
			}
			img, err := s.Get(name)
			if err != nil {
				return fmt.Errorf("no instance or image named %q: 'unigo ps -a' and 'unigo images' list them", name)
			}
			out = append(out, img)
		}
		data, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), string(data))
		return nil
	},
}

func init() {
	inspectCmd.Flags().StringVar(&inspectType, "type", "", "look only for an instance or only for an image")
	rootCmd.AddCommand(inspectCmd)
}
