package vmm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Share is a directory of the host that the guest mounts read-write (or
// read-only): its files are the host's, so the host sees the guest's
// writes at once and the guest's fsync reaches the host's disk. QEMU
// shares it over virtio-9p; the guest finds it by its tag, ShareTag(i)
// (docs/boot-contract.md).
type Share struct {
	Path     string // the host directory, absolute
	MountAt  string // where the guest mounts it: absolute, not /
	ReadOnly bool   // the guest cannot write it
}

// MaxShares is how many shared directories the guest kernel mounts.
const MaxShares = 8

// ShareTag is the mount tag of the spec's i-th share.
func ShareTag(i int) string { return fmt.Sprintf("share%d", i) }

// shareTokens tell the guest where to mount the shares:
// share=TAG:PATH[:ro], ':' in PATH encoded.
func shareTokens(shares []Share) []string {
	var toks []string
	for i, s := range shares {
		t := fmt.Sprintf("share=%s:%s", ShareTag(i), strings.ReplaceAll(encodeValue(s.MountAt), ":", "%3A"))
		if s.ReadOnly {
			t += ":ro"
		}
		toks = append(toks, t)
	}
	return toks
}

// checkShares rejects shares the guest cannot mount: too many, a path
// that is not a host directory, two mounts at one guest path (disks'
// included).
func checkShares(shares []Share, disks []Disk) error {
	if len(shares) > MaxShares {
		return fmt.Errorf("%d shared directories: the guest mounts at most %d", len(shares), MaxShares)
	}
	targets := map[string]bool{}
	for _, d := range disks {
		if d.MountAt != "" {
			targets[d.MountAt] = true
		}
	}
	for _, s := range shares {
		if !filepath.IsAbs(s.Path) {
			return fmt.Errorf("shared directory %q: give an absolute host path", s.Path)
		}
		if !strings.HasPrefix(s.MountAt, "/") || strings.Trim(s.MountAt, "/") == "" {
			return fmt.Errorf("shared directory %s: mount path %q must be absolute and not /", s.Path, s.MountAt)
		}
		if targets[s.MountAt] {
			return fmt.Errorf("two mounts at %s: give each its own path", s.MountAt)
		}
		targets[s.MountAt] = true
		st, err := os.Stat(s.Path)
		if err != nil {
			return fmt.Errorf("shared directory: %w", err)
		}
		if !st.IsDir() {
			return fmt.Errorf("shared directory %s: not a directory", s.Path)
		}
	}
	return nil
}
