package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/volume"
)

// runDetached starts a stored image as a detached instance and prints its name.
func runDetached(cmd *cobra.Command, t *runTarget, cmdline vmm.Cmdline, mem int64, mounts []volume.Mount, publish []vmm.Forward, netOpts hostnet.Options) error {
	if t.stored == nil {
		return fmt.Errorf("run -d boots images from the image store, and %s is a file or a package: store it with 'unigo build -t NAME', then 'unigo run -d NAME'", t.path)
	}
	restart, err := instance.ParseRestart(runFlags.restart)
	if err != nil {
		return fmt.Errorf("--restart %w", err)
	}
	if runFlags.name != "" {
		if err := instance.CheckName(runFlags.name); err != nil {
			return fmt.Errorf("--name %w", err)
		}
	}
	if err := cmdline.Validate(); err != nil {
		return err
	}
	is, err := openInstances()
	if err != nil {
		return err
	}
	st, err := is.Run(cmd.Context(), runFlags.name, instance.Spec{
		Image:      t.ref,
		ImageID:    t.stored.ID,
		Args:       cmdline.Args,
		Env:        cmdline.Env,
		Memory:     mem,
		Machine:    runFlags.machine,
		Accel:      runFlags.accel,
		KernelOpts: cmdline.Tokens,
		Tmpfs:      cmdline.Tmpfs,
		Volumes:    mounts,
		Publish:    publish,
		Network:    &netOpts,
		Ports:      t.stored.Manifest.Config.Ports,
		Restart:    restart,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), st.Name)
	return nil
}
