package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/oci"
)

var registryFlags struct {
	insecure bool
	quiet    bool
	debug    bool // pull: the debug information too
	noDebug  bool // push: without it
}

func registryOptions() oci.Options {
	o := oci.Options{Insecure: registryFlags.insecure, Debug: registryFlags.debug, NoDebug: registryFlags.noDebug}
	if !registryFlags.quiet {
		o.Progress = os.Stderr
	}
	return o
}

func addRegistryFlags(c *cobra.Command) {
	c.Flags().BoolVar(&registryFlags.insecure, "insecure", false, "allow plain HTTP to this registry (localhost and loopback registries may use HTTP without it)")
	c.Flags().BoolVarP(&registryFlags.quiet, "quiet", "q", false, "no progress output")
}

var pushCmd = &cobra.Command{
	Use:   "push [flags] NAME[:TAG] [REGISTRY/REPOSITORY[:TAG]]",
	Short: "Push an image of the store to a registry, as an OCI image",
	Long: `Push sends an image of the local store to a container registry, as a standard
OCI image (linux/amd64) that Docker, containerd and every registry take as it
is (docs/oci-image.md). With one argument the image's own name says where
(localhost:5000/web:v1); with two, the second does, as 'docker tag' and
'docker push' would. Layers the registry already has are not sent again.

The image's kernel travels without its DWARF, which the store keeps apart:
push sends it beside the image, as an OCI artifact that refers to it (which
Docker and containerd never fetch), for 'unigo pull --debug'; --no-debug
leaves it out.

Credentials come from the Docker config (~/.docker/config.json and its
credential helpers): 'docker login REGISTRY' once and unigo uses it.`,
	Example: `  unigo build -t localhost:5000/web:v1 ./cmd/web && unigo push localhost:5000/web:v1
  unigo push web:v1 registry.example.com/team/web:v1`,
	Args: cobra.RangeArgs(1, 2),
	RunE: func(cmd *cobra.Command, args []string) error {
		s, err := openStore()
		if err != nil {
			return err
		}
		dst := ""
		if len(args) == 2 {
			dst = args[1]
		}
		res, err := oci.Push(cmd.Context(), s, args[0], dst, registryOptions())
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), res.Ref+"@"+res.Digest)
		return nil
	},
}

var pullCmd = &cobra.Command{
	Use:   "pull [flags] REGISTRY/REPOSITORY[:TAG|@DIGEST]",
	Short: "Pull a unigo image from a registry into the store",
	Long: `Pull fetches a unigo image from a container registry into the local store,
tagged as the reference names it (an image pulled by digest gets no tag: run
it by the ID pull prints). Every digest is checked before anything is
stored, and a pull that fails or is stopped leaves nothing behind. A kernel
the store already has is not fetched again. Then 'unigo run REF' boots it.

The image comes without its kernel's DWARF: crash reports are symbolized
from the Go line table all the same. --debug fetches the DWARF too (the
artifact 'unigo push' sends beside the image), for 'unigo run --cpuprofile'
with inlined calls and for gdb; pulling again with --debug adds it later.`,
	Example: `  unigo pull localhost:5000/web:v1 && unigo run localhost:5000/web:v1
  unigo pull localhost:5000/web@sha256:4f2c…
  unigo pull --debug localhost:5000/web:v1`,
	Args: cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		s, err := openStore()
		if err != nil {
			return err
		}
		res, err := oci.Pull(cmd.Context(), s, args[0], registryOptions())
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), res.Image.ID)
		return nil
	},
}

func init() {
	addRegistryFlags(pushCmd)
	addRegistryFlags(pullCmd)
	pullCmd.Flags().BoolVar(&registryFlags.debug, "debug", false, "fetch the image's debug information (its kernel's DWARF) too")
	pushCmd.Flags().BoolVar(&registryFlags.noDebug, "no-debug", false, "leave the image's debug information (its kernel's DWARF) out")
	rootCmd.AddCommand(pushCmd, pullCmd)
}
