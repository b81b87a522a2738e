package main

import (
	"os"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
)

var buildFlags struct {
	output  string
	verbose bool
}

var buildCmd = &cobra.Command{
	Use:   "build [flags] [PACKAGE]",
	Short: "Build a Go main package into a bootable unikernel image",
	Long: `Build compiles the Go main package PACKAGE (a directory such as ./cmd/hello,
or an import path; default .) together with the unigo kernel, for linux/amd64,
with the go command you already have, and writes a bootable image.

The package's module does not need to know about unigo: nothing is added to
its go.mod and no file of it is changed. Build flags in GOFLAGS apply, and the
build works offline when the module's dependencies are in the module cache.

The image is an ELF file that QEMU boots with -kernel (PVH); run it with
'unigo run'.`,
	Example: `  unigo build ./cmd/hello              # writes hello.img
  unigo build -o /tmp/web.img ./cmd/web`,
	Args: cobra.MaximumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		pkg := "."
		if len(args) == 1 {
			pkg = args[0]
		}
		return build.Build(cmd.Context(), build.Options{
			Package:  pkg,
			Output:   buildFlags.output,
			Progress: os.Stderr,
			Verbose:  buildFlags.verbose,
		})
	},
}

func init() {
	f := buildCmd.Flags()
	f.StringVarP(&buildFlags.output, "output", "o", "", "image file to write (default: <package name>.img)")
	f.BoolVarP(&buildFlags.verbose, "verbose", "v", false, "show the go command, go.work and overlay used")
	rootCmd.AddCommand(buildCmd)
}
