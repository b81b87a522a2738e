package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"unigo.dev/unigo/internal/atomicfile"
)

// Tags are one file each, tags/NAME:TAG, holding the ID: each changes
// atomically on its own, and a damaged one loses no other.

func (s *Store) tagPath(r Ref) string {
	return filepath.Join(s.tagsDir(), strings.ReplaceAll(r.String(), "/", "%"))
}

// readTag returns the ID ref points to; ErrNotFound if it points nowhere.
func (s *Store) readTag(r Ref) (string, error) {
	data, err := os.ReadFile(s.tagPath(r))
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: %s", ErrNotFound, r)
	}
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(data))
	if !isDigest(id) {
		return "", fmt.Errorf("image %s is %w: its tag file %s does not hold an image ID: remove it with 'unigo rmi %s' and build it again", r, ErrCorrupted, s.tagPath(r), r)
	}
	return id, nil
}

// writeTag points ref at id.
// Preconditions: the store's lock is held.
func (s *Store) writeTag(r Ref, id string) error {
	if err := atomicfile.Write(s.tagPath(r), []byte(id+"\n"), 0o644); err != nil {
		return fmt.Errorf("cannot tag %s: %w", r, err)
	}
	return nil
}

// tags maps every tag to the ID it points to ("" for a damaged tag file).
func (s *Store) tags() (map[Ref]string, error) {
	ents, err := os.ReadDir(s.tagsDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the image store: %w", err)
	}
	tags := map[Ref]string{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue // a temporary file
		}
		r, err := ParseRef(strings.ReplaceAll(e.Name(), "%", "/"))
		if err != nil {
			continue // not ours
		}
		id, err := s.readTag(r)
		if err != nil && !errors.Is(err, ErrCorrupted) {
			continue // removed meanwhile
		}
		tags[r] = id
	}
	return tags, nil
}

// tagsOf returns the tags pointing to id, sorted.
func tagsOf(tags map[Ref]string, id string) []string {
	var out []string
	for r, target := range tags {
		if target == id {
			out = append(out, r.String())
		}
	}
	sort.Strings(out)
	return out
}

// Tag makes target name the image that source names (a reference or an ID).
func (s *Store) Tag(source string, target Ref) error {
	img, err := s.Get(source)
	if err != nil {
		return err
	}
	l, err := s.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	if _, err := os.Stat(s.manifestPath(img.ID)); err != nil {
		return fmt.Errorf("image %s was removed meanwhile", source)
	}
	return s.writeTag(target, img.ID)
}
