package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/oci"
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
		type row struct{ name, tag, digest, id, created, size string }
		var rows []row
		for _, img := range imgs {
			r := row{name: "<none>", tag: "<none>", digest: "<none>", id: store.ShortID(img.ID), created: "-", size: "corrupted"}
			if img.Corrupted == "" {
				r.created = humanDuration(time.Since(img.Manifest.Created)) + " ago"
				r.size = build.HumanSize(img.Manifest.Blob.Size)
				if imagesDigests {
					r.digest = registryDigest(s, &img)
				}
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
		cols := func(r row) []string {
			if imagesDigests {
				return []string{r.name, r.tag, r.digest, r.id, r.created, r.size}
			}
			return []string{r.name, r.tag, r.id, r.created, r.size}
		}
		fmt.Fprintln(w, strings.Join(cols(row{"NAME", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"}), "\t"))
		for _, r := range rows {
			fmt.Fprintln(w, strings.Join(cols(r), "\t"))
		}
		return w.Flush()
	},
}

var imagesDigests bool

func init() {
	imagesCmd.Flags().BoolVar(&imagesDigests, "digests", false, "show each image's digest in a registry (the same wherever it is pushed: unigo's OCI form is reproducible)")
	rootCmd.AddCommand(imagesCmd)
}

// registryDigest is the digest the image has in any registry.
func registryDigest(s *store.Store, img *store.Image) string {
	oi, err := oci.Image(s, img)
	if err != nil {
		return "<none>"
	}
	d, err := oi.Digest()
	if err != nil {
		return "<none>"
	}
	return d.String()
}
