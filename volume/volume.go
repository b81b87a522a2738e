// Package volume keeps the named disks that instances mount: `unigo volume
// create NAME --size 1G` makes one, `unigo run -v NAME:/data` attaches it
// as a virtio-blk disk that the guest mounts at /data.
//
// A volume is a raw disk image holding an ext2 file system, made by
// e2fsprogs' mke2fs, so host tools can check (e2fsck) and read (debugfs,
// a loop mount) it. Layout, under ROOT/volumes:
//
//	NAME/disk.img     the disk
//	NAME/volume.json  its metadata (name, size, created)
//
// A volume appears whole or not at all: it is made in a temporary
// directory and renamed into place. A VM using a disk holds an exclusive
// lock (flock) on disk.img for its life, so a second VM, or `volume rm`,
// is refused with a clear error while it runs, and a killed VM never
// leaves a stale lock.
package volume

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Volume describes a volume of the store.
type Volume struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`    // bytes
	Format  string    `json:"format"`  // "ext2"
	Created time.Time `json:"created"` // UTC
	Path    string    `json:"path"`    // the disk image
	InUse   bool      `json:"inUse"`   // a VM holds it now
}

// ErrNotFound is wrapped by the error for a name that is no volume.
var ErrNotFound = errors.New("no such volume")

// Store is the volumes under a unigo root.
type Store struct{ dir string }

// Open returns the volume store under root (see store.DefaultRoot).
func Open(root string) *Store { return &Store{dir: filepath.Join(root, "volumes")} }

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// DiskPath is where the disk of volume name is.
func (s *Store) DiskPath(name string) string { return filepath.Join(s.path(name), "disk.img") }

// Get returns the volume called name.
func (s *Store) Get(name string) (Volume, error) {
	if err := checkName(name); err != nil {
		return Volume{}, err
	}
	data, err := os.ReadFile(filepath.Join(s.path(name), "volume.json"))
	if errors.Is(err, os.ErrNotExist) {
		return Volume{}, fmt.Errorf("%w: %s (unigo volume ls lists them; unigo volume create %s makes it)", ErrNotFound, name, name)
	}
	if err != nil {
		return Volume{}, err
	}
	var v Volume
	if err := json.Unmarshal(data, &v); err != nil || v.Name != name {
		return Volume{}, fmt.Errorf("volume %s: its metadata %s is damaged: remove the volume, or rewrite the file", name, filepath.Join(s.path(name), "volume.json"))
	}
	v.Path = s.DiskPath(name)
	v.InUse = inUse(v.Path)
	return v, nil
}

// List returns the volumes by name; damaged ones are skipped.
func (s *Store) List() ([]Volume, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Volume
	for _, e := range entries {
		if !e.IsDir() || checkName(e.Name()) != nil {
			continue // temporary directories of a create under way
		}
		if v, err := s.Get(e.Name()); err == nil {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes a volume and its data; one in use by a VM is refused.
func (s *Store) Remove(name string) error {
	if _, err := s.Get(name); err != nil {
		return err
	}
	lease, err := Lock(s.DiskPath(name))
	if err != nil {
		return err
	}
	defer lease.Release()
	// Rename first, so the name is free at once and no half-deleted
	// volume is ever listed.
	trash, err := os.MkdirTemp(s.dir, ".rm-"+name+"-")
	if err != nil {
		return err
	}
	if err := os.Rename(s.path(name), filepath.Join(trash, name)); err != nil {
		os.Remove(trash)
		return err
	}
	return os.RemoveAll(trash)
}

// checkName accepts names like those of images: letters, digits, '.', '_'
// and '-', starting with a letter or digit.
func checkName(name string) error {
	ok := name != "" && len(name) <= 128
	for i, c := range name {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("invalid volume name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	return nil
}
