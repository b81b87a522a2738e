package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"unigo.dev/unigo/oci"
)

var saveOutput, loadInput string

var saveCmd = &cobra.Command{
	Use:   "save [-o FILE] NAME[:TAG]...",
	Short: "Write images of the store to a tar archive that docker load and unigo load read",
	Long: `Save writes the named images of the local store, as OCI images, into one tar
archive in the format of 'docker save': 'docker load' puts them into Docker
(for 'docker run --runtime=unigo'), 'unigo load' into another unigo store.
The file appears complete or not at all; without -o the archive goes to
standard output, unless that is a terminal.`,
	Example: `  unigo save -o web.tar web:v1 && docker load -i web.tar
  unigo save web:v1 | ssh host unigo load`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		s, err := openStore()
		if err != nil {
			return err
		}
		out := saveOutput
		if out == "" {
			if term.IsTerminal(int(os.Stdout.Fd())) {
				return errors.New("refusing to write an archive to a terminal: give -o FILE or redirect the output")
			}
			out = "-"
		}
		return oci.Save(s, args, out, cmd.OutOrStdout())
	},
}

var loadCmd = &cobra.Command{
	Use:   "load [-i FILE]",
	Short: "Store the images of a tar archive (unigo save, docker save)",
	Long: `Load reads an archive in the format of 'docker save' (from 'unigo save', or
'docker save' of a unigo image) and stores its images under their tags. Every
digest is checked first; nothing of an image is stored unless all of it is
right. Without -i the archive comes from standard input.`,
	Example: `  unigo load -i web.tar
  unigo load < web.tar`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		s, err := openStore()
		if err != nil {
			return err
		}
		in := loadInput
		if in == "" || in == "-" {
			tmp, err := spoolStdin(cmd.InOrStdin())
			if err != nil {
				return err
			}
			defer os.Remove(tmp)
			in = tmp
		}
		imgs, err := oci.Load(cmd.Context(), s, in)
		for _, img := range imgs {
			if len(img.Tags) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Loaded image ID: %s\n", img.ID)
			}
			for _, t := range img.Tags {
				fmt.Fprintf(cmd.OutOrStdout(), "Loaded image: %s\n", t)
			}
		}
		return err
	},
}

// spoolStdin copies standard input to a temporary file: an archive is read
// more than once.
func spoolStdin(r io.Reader) (string, error) {
	if f, ok := r.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no archive: give -i FILE or redirect one to standard input")
	}
	tmp, err := os.CreateTemp("", "unigo-load-")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("reading the archive from standard input: %w", err)
	}
	return tmp.Name(), nil
}

func init() {
	saveCmd.Flags().StringVarP(&saveOutput, "output", "o", "", "write to FILE instead of standard output")
	loadCmd.Flags().StringVarP(&loadInput, "input", "i", "", "read from FILE instead of standard input")
	rootCmd.AddCommand(saveCmd, loadCmd)
}
