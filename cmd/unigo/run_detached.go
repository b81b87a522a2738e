package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/launch"
)

// runDetached starts a stored image as a detached instance and prints its
// name. The instance keeps the configuration with the image's defaults
// merged and its ID pinned; its monitor prepares it again at every boot.
func runDetached(cmd *cobra.Command, env launch.Env, cfg launch.Config) error {
	if runFlags.name != "" {
		if err := instance.CheckName(runFlags.name); err != nil {
			return fmt.Errorf("--name %w", err)
		}
	}
	cfg, img, err := launch.Resolve(cmd.Context(), env, cfg)
	if err != nil {
		return err
	}
	img.Close()
	if img.Stored == nil && img.Program != "" {
		return fmt.Errorf("run -d boots images from the image store, and %s is a program: store its image with 'unigo build --exec %s -t NAME', then 'unigo run -d NAME'", cfg.Image, cfg.Image)
	}
	if img.Stored == nil {
		return fmt.Errorf("run -d boots images from the image store, and %s is a file or a package: store it with 'unigo build -t NAME', then 'unigo run -d NAME'", cfg.Image)
	}
	is, err := openInstances()
	if err != nil {
		return err
	}
	st, err := is.Run(cmd.Context(), runFlags.name, cfg, instance.IO{})
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), st.Name)
	return nil
}
