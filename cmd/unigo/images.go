package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/store"
)

var imagesCmd = &cobra.Command{
	Use:   "images",
	Short: "List the images of the local store",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		s, err := openStore()
		if err != nil {
			return err
		}
		imgs, err := s.List()
		if err != nil {
			return err
		}
		type row struct{ name, tag, id, created, size string }
		var rows []row
		for _, img := range imgs {
			r := row{name: "<none>", tag: "<none>", id: store.ShortID(img.ID), created: "-", size: "corrupted"}
			if img.Corrupted == "" {
				r.created = humanDuration(time.Since(img.Manifest.Created)) + " ago"
				r.size = build.HumanSize(img.Manifest.Blob.Size)
			}
			if len(img.Tags) == 0 {
				rows = append(rows, r)
			}
			for _, t := range img.Tags {
				ref, _ := store.ParseRef(t)
				r.name, r.tag = ref.Name, ref.Tag
				rows = append(rows, r)
			}
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].name+":"+rows[i].tag < rows[j].name+":"+rows[j].tag })
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 3, ' ', 0)
		fmt.Fprintln(w, "NAME\tTAG\tIMAGE ID\tCREATED\tSIZE")
		for _, r := range rows {
			fmt.Fprintln(w, strings.Join([]string{r.name, r.tag, r.id, r.created, r.size}, "\t"))
		}
		return w.Flush()
	},
}

func init() { rootCmd.AddCommand(imagesCmd) }
