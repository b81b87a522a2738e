package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/internal/memsize"
	"unigo.dev/unigo/store"
	"unigo.dev/unigo/volume"
)

var volumeCmd = &cobra.Command{
	Use:   "volume",
	Short: "Manage volumes: disks that instances mount (unigo run -v NAME:/path)",
	Long: `A volume is a disk that keeps an app's data across runs, restarts and crashes:
an ext2 file system in a raw image file under the unigo root (host tools can
check and read it: e2fsck, debugfs). 'unigo run -v NAME:/data IMAGE' attaches
it as a virtio-blk disk that the guest mounts at /data; -v ./disk.img:/data
attaches a disk image file of your own instead. Data the app has fsync'ed is
in the file when fsync returns. One instance at a time may use a volume.`,
}

var volumeSize string

var volumeCreateCmd = &cobra.Command{
	Use:     "create NAME",
	Short:   "Make an empty volume",
	Example: "  unigo volume create data --size 1G\n  unigo run -d -v data:/data web:latest",
	Args:    cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		size, err := memsize.Parse(volumeSize)
		if err != nil {
			return fmt.Errorf("--size %q: %v", volumeSize, err)
		}
		vs, err := openVolumes()
		if err != nil {
			return err
		}
		v, err := vs.Create(args[0], size)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), v.Name)
		return nil
	},
}

var volumeLsCmd = &cobra.Command{
	Use:     "ls",
	Aliases: []string{"list"},
	Short:   "List the volumes",
	Args:    cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		vs, err := openVolumes()
		if err != nil {
			return err
		}
		list, err := vs.List()
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 3, ' ', 0)
		fmt.Fprintln(w, "NAME\tSIZE\tFORMAT\tCREATED\tIN USE")
		for _, v := range list {
			used := "no"
			if v.InUse {
				used = "yes"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s ago\t%s\n", v.Name, build.HumanSize(v.Size), v.Format, humanDuration(time.Since(v.Created)), used)
		}
		return w.Flush()
	},
}

var volumeRmCmd = &cobra.Command{
	Use:   "rm NAME...",
	Short: "Delete volumes and their data (refused while an instance uses one)",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		vs, err := openVolumes()
		if err != nil {
			return err
		}
		for _, name := range args {
			if err := vs.Remove(name); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), name)
		}
		return nil
	},
}

var volumeInspectCmd = &cobra.Command{
	Use:   "inspect NAME...",
	Short: "Show volumes as JSON",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		vs, err := openVolumes()
		if err != nil {
			return err
		}
		var out []volume.Volume
		for _, name := range args {
			v, err := vs.Get(name)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	},
}

// openVolumes opens the volumes under the unigo root.
func openVolumes() (*volume.Store, error) {
	root, err := store.DefaultRoot()
	if err != nil {
		return nil, err
	}
	return volume.Open(root), nil
}

func init() {
	volumeCreateCmd.Flags().StringVar(&volumeSize, "size", "1G", "the disk's size, with a unit: M or G (sparse: it takes host space as it fills)")
	volumeCmd.AddCommand(volumeCreateCmd, volumeLsCmd, volumeRmCmd, volumeInspectCmd)
	rootCmd.AddCommand(volumeCmd)
}
