package vmm

import (
	"fmt"
	"os"
	"strings"

	"unigo.dev/unigo/image"
)

// Disk is a host file the guest sees as a virtio block device: the spec's
// disks are /dev/vda, /dev/vdb, ... in order (docs/boot-contract.md).
type Disk struct {
	Path     string // a raw disk image
	ReadOnly bool   // the guest cannot write it (the device offers VIRTIO_BLK_F_RO)
	MountAt  string // where the guest mounts the disk's ext2 file system; "" for a raw /dev/vdX only
}

// mountTokens tell the guest where to mount the disks' file systems:
// mount=I:PATH[:ro] for disk I (docs/boot-contract.md), ':' in PATH encoded.
func mountTokens(disks []Disk) []string {
	var toks []string
	for i, d := range disks {
		if d.MountAt == "" {
			continue
		}
		t := fmt.Sprintf("mount=%d:%s", i, strings.ReplaceAll(encodeValue(d.MountAt), ":", "%3A"))
		if d.ReadOnly {
			t += ":ro"
		}
		toks = append(toks, t)
	}
	return toks
}

// MaxDisks is how many disks the guest kernel drives.
const MaxDisks = 8

// checkDisks rejects what QEMU would refuse with a less helpful message.
func checkDisks(disks []Disk) error {
	if len(disks) > MaxDisks {
		return fmt.Errorf("%d disks: the guest drives at most %d", len(disks), MaxDisks)
	}
	targets := map[string]bool{}
	for _, d := range disks {
		if d.MountAt != "" {
			if !strings.HasPrefix(d.MountAt, "/") || strings.Trim(d.MountAt, "/") == "" {
				return fmt.Errorf("disk %s: mount path %q must be absolute and not /", d.Path, d.MountAt)
			}
			if targets[d.MountAt] {
				return fmt.Errorf("two disks mounted at %s: give each its own path", d.MountAt)
			}
			targets[d.MountAt] = true
		}
		st, err := os.Stat(d.Path)
		if err != nil {
			return fmt.Errorf("disk: %w", err)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("disk %s: not a regular file", d.Path)
		}
	}
	return nil
}

// AllDisks is the spec's disks as the guest has them: its own, then, for a
// unigo image that keeps its root file system in its file
// (image.RootOnDisk), the image file itself, read-only, which the guest
// recognises by its first sector and reads the root from
// (docs/boot-contract.md).
func (s Spec) AllDisks() ([]Disk, error) {
	if s.Kind != KindUnigo {
		return s.Disks, nil
	}
	onDisk, err := image.RootOnDisk(s.Image)
	if err != nil || !onDisk {
		return s.Disks, err
	}
	return append(append([]Disk{}, s.Disks...), Disk{Path: s.Image, ReadOnly: true}), nil
}
