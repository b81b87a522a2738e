package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/internal/memsize"
)

// defaultCheckpoint is the checkpoint's name when the command gives none.
const defaultCheckpoint = "last"

var checkpointLeaveRunning bool

var checkpointCmd = &cobra.Command{
	Use:   "checkpoint [--leave-running] NAME [CHECKPOINT]",
	Short: "Write a running instance's whole state to a checkpoint, to resume from later",
	Long: `Checkpoint pauses the VM of a running instance and writes its whole state (the
CPU, the devices, the guest's memory) to the instance's checkpoint CHECKPOINT
(default "` + defaultCheckpoint + `", replaced if it exists), then powers the VM off: the
instance shows as 'exited (checkpointed)'. With --leave-running the VM runs on
after the checkpoint is written.

  unigo checkpoint web                  # web exits (checkpointed)
  unigo start --checkpoint last web     # web goes on where it was

The app sees no boot when it resumes: its memory, its goroutines and its open
files are as they were; its clocks stood still meanwhile, then the wall clock
jumps to now. Connections the app had open through a published port are gone
(each VM has its own user-mode network). A checkpoint resumes only on the QEMU
and accelerator that wrote it, and, for an instance with volumes, only while their
disks are as the checkpoint left them: once anything wrote them (the instance
itself, resumed or booted), resuming would corrupt them and is refused.

  unigo checkpoint ls NAME              # the instance's checkpoints
  unigo checkpoint rm NAME CHECKPOINT`,
	Args: cobra.RangeArgs(1, 2),
	RunE: func(cmd *cobra.Command, args []string) error {
		return checkpoint(cmd, args)
	},
}

var checkpointCreateCmd = &cobra.Command{
	Use:   "create [--leave-running] NAME [CHECKPOINT]",
	Short: "Write a running instance's whole state to a checkpoint (as 'unigo checkpoint')",
	Args:  cobra.RangeArgs(1, 2),
	RunE: func(cmd *cobra.Command, args []string) error {
		return checkpoint(cmd, args)
	},
}

func checkpoint(cmd *cobra.Command, args []string) error {
	is, err := openInstances()
	if err != nil {
		return err
	}
	cp := defaultCheckpoint
	if len(args) == 2 {
		cp = args[1]
	}
	if _, err := is.Checkpoint(args[0], cp, checkpointLeaveRunning); err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), cp)
	return nil
}

var checkpointLsCmd = &cobra.Command{
	Use:     "ls NAME",
	Aliases: []string{"list"},
	Short:   "List an instance's checkpoints",
	Args:    cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		is, err := openInstances()
		if err != nil {
			return err
		}
		cps, err := is.Checkpoints(args[0])
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 3, ' ', 0)
		fmt.Fprintln(w, "CHECKPOINT\tCREATED\tSIZE")
		for _, c := range cps {
			fmt.Fprintf(w, "%s\t%s\t%s\n", c.Name, c.Created.Local().Format(time.DateTime), memsize.Format(c.Size))
		}
		return w.Flush()
	},
}

var checkpointRmCmd = &cobra.Command{
	Use:     "rm NAME CHECKPOINT...",
	Aliases: []string{"remove"},
	Short:   "Remove checkpoints of an instance",
	Args:    cobra.MinimumNArgs(2),
	RunE: func(cmd *cobra.Command, args []string) error {
		is, err := openInstances()
		if err != nil {
			return err
		}
		return each(cmd.OutOrStdout(), args[1:], func(cp string) error { return is.RemoveCheckpoint(args[0], cp) })
	},
}

func init() {
	for _, c := range []*cobra.Command{checkpointCmd, checkpointCreateCmd} {
		c.Flags().BoolVar(&checkpointLeaveRunning, "leave-running", false, "keep the VM running after the checkpoint is written")
	}
	checkpointCmd.AddCommand(checkpointCreateCmd, checkpointLsCmd, checkpointRmCmd)
	rootCmd.AddCommand(checkpointCmd)
}
