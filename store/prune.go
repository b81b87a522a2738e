package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Pruned is what Prune deleted.
type Pruned struct {
	Images    []string // IDs of the images deleted
	Files     int      // blob and temporary files deleted
	Reclaimed int64    // bytes freed
	// Kept says why files that look unreferenced were kept, if they were.
	Kept string
}

// Prune deletes the images that have no tag (with all, every image) and
// that no instance uses, the image files no image names any more, and the
// temporary files of writes that were interrupted.
func (s *Store) Prune(all bool, inUse InUse) (Pruned, error) {
	l, err := s.lock()
	if err != nil {
		return Pruned{}, err
	}
	defer l.Unlock()
	var p Pruned
	imgs, err := s.List()
	if err != nil {
		return p, err
	}
	for _, img := range imgs {
		if img.ID == "" || (len(img.Tags) > 0 && !all) || (inUse != nil && len(inUse(img.ID)) > 0) {
			continue
		}
		for _, t := range img.Tags {
			r, _ := ParseRef(t)
			if err := os.Remove(s.tagPath(r)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return p, fmt.Errorf("cannot untag %s: %w", t, err)
			}
		}
		if err := os.Remove(s.manifestPath(img.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return p, fmt.Errorf("cannot delete image %s: %w", ShortID(img.ID), err)
		}
		p.Images = append(p.Images, img.ID)
	}

	// Blobs that no remaining manifest names. A manifest that cannot be read
	// might name any of them: then they all stay.
	if imgs, err = s.List(); err != nil {
		return p, err
	}
	named := map[string]bool{}
	for _, img := range imgs {
		if img.Corrupted != "" && img.ID != "" && fileExists(s.manifestPath(img.ID)) {
			p.Kept = fmt.Sprintf("image files were kept: the manifest of %s cannot be read (remove it with 'unigo rmi %s')", img.Name(), img.Name())
		}
		named[strings.TrimPrefix(img.Manifest.Blob.Digest, "sha256:")] = true
	}
	// Debug files of the image files named; the links of the others.
	linked := map[string]bool{}
	if ents, err := os.ReadDir(s.debugDir()); err == nil {
		for _, e := range ents {
			if link, err := os.ReadFile(filepath.Join(s.debugDir(), e.Name())); err == nil && named[e.Name()] {
				linked[e.Name()] = true
				named[strings.TrimPrefix(strings.TrimSpace(string(link)), "sha256:")] = true
			}
		}
	}
	for _, dir := range []string{s.blobDir(), s.manifestDir(), s.tagsDir(), s.debugDir()} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			temp := strings.HasPrefix(e.Name(), ".") // atomicfile's, left by a killed writer
			orphan := (dir == s.blobDir() && !named[e.Name()] || dir == s.debugDir() && !linked[e.Name()]) && !temp && p.Kept == ""
			if !temp && !orphan {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if info, err := e.Info(); err == nil {
				p.Reclaimed += info.Size()
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return p, fmt.Errorf("cannot delete %s: %w", path, err)
			}
			p.Files++
		}
	}
	return p, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
