package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// InUse says which instances use the image id (their names), so that it is
// kept for them; nil means none do.
type InUse func(id string) []string

// Removal is what Remove did.
type Removal struct {
	Untagged []string // the tags removed
	Deleted  string   // the image deleted, if it was
}

// Remove removes what ref names. A NAME[:TAG] loses that tag; an ID loses
// all its tags (more than one needs force). The image itself is deleted once
// it has no tag left, unless an instance uses it: then Remove refuses
// without force, and with force removes the tags but keeps the image for
// the instance (Prune deletes it after the instance is gone). A corrupted
// image can be removed like any other.
func (s *Store) Remove(ref string, force bool, inUse InUse) (Removal, error) {
	l, err := s.lock()
	if err != nil {
		return Removal{}, err
	}
	defer l.Unlock()
	id, shown, err := s.resolve(ref)
	if err != nil && !errors.Is(err, ErrCorrupted) {
		return Removal{}, err
	}
	tags, err := s.tags()
	if err != nil {
		return Removal{}, err
	}
	var drop []Ref
	if r, err := ParseRef(ref); err == nil && tags[r] == id {
		if _, ok := tags[r]; ok {
			drop = []Ref{r}
		}
	}
	if drop == nil {
		for r, target := range tags {
			if target == id {
				drop = append(drop, r)
			}
		}
		if len(drop) > 1 && !force {
			return Removal{}, fmt.Errorf("image %s has %d tags (%s): remove them one by one, or all with 'unigo rmi -f %s'", shown, len(drop), strings.Join(tagsOf(tags, id), ", "), ref)
		}
	}
	var users []string
	if inUse != nil && id != "" {
		users = inUse(id)
	}
	left := len(tagsOf(tags, id)) - len(drop)
	if left == 0 && len(users) > 0 && !force {
		return Removal{}, fmt.Errorf("image %s is used by instance %s: remove the instance first ('unigo rm %s'), or untag the image with 'unigo rmi -f %s' (it stays for the instance)", shown, strings.Join(users, ", "), users[0], ref)
	}
	var rm Removal
	for _, r := range drop {
		if err := os.Remove(s.tagPath(r)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return rm, fmt.Errorf("cannot untag %s: %w", r, err)
		}
		rm.Untagged = append(rm.Untagged, r.String())
	}
	if left == 0 && len(users) == 0 && id != "" {
		if err := s.deleteImage(id); err != nil {
			return rm, err
		}
		rm.Deleted = id
	}
	return rm, nil
}

// deleteImage deletes a manifest, and its blob unless another manifest
// names it.
// Preconditions: the store's lock is held.
func (s *Store) deleteImage(id string) error {
	m, merr := s.manifest(id)
	if err := os.Remove(s.manifestPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot delete image %s: %w", ShortID(id), err)
	}
	if merr != nil {
		return nil // which blob it named is unknown: Prune decides
	}
	imgs, err := s.List()
	if err != nil {
		return err
	}
	for _, img := range imgs {
		if img.Corrupted != "" || img.Manifest.Blob.Digest == m.Blob.Digest {
			return nil // still needed, or perhaps needed
		}
	}
	if err := os.Remove(s.blobPath(m.Blob.Digest)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot delete the file of image %s: %w", ShortID(id), err)
	}
	if link, err := os.ReadFile(s.debugPath(m.Blob.Digest)); err == nil {
		os.Remove(s.blobPath(strings.TrimSpace(string(link))))
		os.Remove(s.debugPath(m.Blob.Digest))
	}
	return nil
}
