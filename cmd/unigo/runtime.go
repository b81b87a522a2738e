package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/ociruntime"
)

var runtimeCmd = &cobra.Command{
	Use:   "runtime [runc's flags] COMMAND ...",
	Short: "The OCI runtime Docker calls for docker run --runtime=unigo (runc-compatible)",
	Long: `Runtime is unigo's OCI runtime: a runc-compatible command that boots the unigo
image in a container's root file system (/.unigo/kernel, as 'unigo save' and
'unigo push' make it) as a VM. Docker 20.10 takes it through its daemon.json:

  {"runtimes": {"unigo": {"path": "/usr/local/bin/unigo", "runtimeArgs": ["runtime"]}}}

then 'kill -HUP $(pidof dockerd)', and:

  unigo save hello:v1 | docker load
  docker run --rm --runtime=unigo hello:v1

It takes runc's global flags (--root, --log, --log-format) and commands
(create, start, state, kill, delete, features, ps); exec is refused: a
unikernel has nothing to exec.`,
	DisableFlagParsing: true,
	RunE: func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return cmd.Help()
		}
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot find the unigo executable: %w", err)
		}
		os.Exit(ociruntime.Main([]string{exe, "runtime"}, args))
		return nil
	},
}

func init() { rootCmd.AddCommand(runtimeCmd) }
