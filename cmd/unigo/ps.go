package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/internal/memsize"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
)

var psAll bool

var psCmd = &cobra.Command{
	Use:   "ps [-a]",
	Short: "List the running instances (-a: all)",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		is, err := openInstances()
		if err != nil {
			return err
		}
		list, err := is.List()
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 3, ' ', 0)
		fmt.Fprintln(w, "NAME\tIMAGE\tSTATE\tUPTIME\tPORTS\tMEMORY")
		for _, st := range list {
			running := st.Phase == instance.Running
			if !running && !psAll && st.Phase != instance.Restarting {
				continue
			}
			uptime := "-"
			if running {
				uptime = humanDuration(time.Since(st.StartedAt))
			}
			mem := st.Spec.Memory
			if mem == 0 {
				mem = vmm.DefaultMemory
			}
			ports := portsOf(st.Spec)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", st.Name, st.Spec.Image, st.Summary, uptime, ports, memsize.Format(mem))
		}
		return w.Flush()
	},
}

func init() {
	psCmd.Flags().BoolVarP(&psAll, "all", "a", false, "list every instance, not only the running ones")
	rootCmd.AddCommand(psCmd)
}

// humanDuration is a duration in its largest unit: 42s, 5m, 3h, 2d.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// portsOf is the PORTS column, as docker ps writes it: published ports
// (8080->80/tcp), then the image's exposed ports not published (443/tcp).
func portsOf(spec launch.Config) string {
	var out []string
	published := map[string]bool{}
	for _, f := range spec.Publish {
		out = append(out, f.String())
		published[fmt.Sprintf("%d/%s", f.GuestPort, f.Protocol())] = true
	}
	for _, p := range spec.Ports {
		if !published[p] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ",")
}
