package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// An Image is a stored image.
type Image struct {
	ID       string   `json:"id"` // the manifest's digest
	Tags     []string `json:"tags"`
	Manifest Manifest `json:"manifest"`
	// Corrupted says why the image cannot be used, when it cannot (only
	// List returns such images; Get returns an error instead).
	Corrupted string `json:"corrupted,omitempty"`
}

// Name is the name the image is best known by: its first tag, or its short ID.
func (img *Image) Name() string {
	if len(img.Tags) > 0 {
		return img.Tags[0]
	}
	return ShortID(img.ID)
}

// Get finds the image that ref names: NAME[:TAG], an ID (sha256:HEX), or a
// unique prefix of at least 4 hex digits of an ID. Its manifest is checked
// against its digest.
func (s *Store) Get(ref string) (*Image, error) {
	id, shown, err := s.resolve(ref)
	if err != nil {
		return nil, err
	}
	tags, err := s.tags()
	if err != nil {
		return nil, err
	}
	img := &Image{ID: id, Tags: tagsOf(tags, id)}
	if img.Manifest, err = s.manifest(id); err != nil {
		return nil, fmt.Errorf("image %s is %w: %v: remove it with 'unigo rmi %s' and build it again", shown, ErrCorrupted, err, shown)
	}
	return img, nil
}

// resolve returns the ID ref names, and how to name it in messages.
func (s *Store) resolve(ref string) (id, shown string, err error) {
	if r, perr := ParseRef(ref); perr == nil {
		id, err := s.readTag(r)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return id, r.String(), err
		}
	}
	prefix := strings.TrimPrefix(ref, "sha256:")
	if len(prefix) >= 4 && isHex(prefix) {
		ents, _ := os.ReadDir(s.manifestDir())
		var found []string
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), prefix) {
				found = append(found, "sha256:"+e.Name())
			}
		}
		switch len(found) {
		case 1:
			return found[0], ShortID(found[0]), nil
		case 0:
		default:
			return "", "", fmt.Errorf("%q matches %d image IDs: give more digits", ref, len(found))
		}
	}
	hint := ""
	if r, err := ParseRef(ref); err == nil {
		hint = fmt.Sprintf("; build one with 'unigo build -t %s'", r)
	}
	return "", "", fmt.Errorf("%w %q: 'unigo images' lists the images%s", ErrNotFound, ref, hint)
}

// manifest reads and checks the manifest of id.
func (s *Store) manifest(id string) (Manifest, error) {
	data, err := os.ReadFile(s.manifestPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, fmt.Errorf("its manifest %s is missing", ShortID(id))
	}
	if err != nil {
		return Manifest{}, err
	}
	return decodeManifest(id, data)
}

// BlobPath checks the image's file against its digest and returns its path,
// for a VMM to boot. Nothing else may write to it.
func (s *Store) BlobPath(img *Image) (string, error) {
	p := s.blobPath(img.Manifest.Blob.Digest)
	digest, size, err := fileDigest(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		err = fmt.Errorf("its file %s is missing", p)
	case err != nil:
		err = fmt.Errorf("cannot read its file: %w", err)
	case digest != img.Manifest.Blob.Digest || size != img.Manifest.Blob.Size:
		err = fmt.Errorf("its file %s does not match its digest (%d bytes with digest %s, the manifest says %d bytes with %s)",
			p, size, ShortID(digest), img.Manifest.Blob.Size, ShortID(img.Manifest.Blob.Digest))
	}
	if err != nil {
		return "", fmt.Errorf("image %s is %w: %v: it will not be booted; remove it with 'unigo rmi %s' and build it again", img.Name(), ErrCorrupted, err, img.Name())
	}
	return p, nil
}

// DebugPath returns the path of the debug file of the image's file (its
// DWARF, which Add keeps apart), checked against its digest; "" when the
// store has none: the image was pulled without it, or its file never had
// DWARF.
func (s *Store) DebugPath(img *Image) (string, error) {
	link, err := os.ReadFile(s.debugPath(img.Manifest.Blob.Digest))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot read the image store: %w", err)
	}
	d := strings.TrimSpace(string(link))
	p, ok := s.Blob(d)
	if !ok {
		return "", fmt.Errorf("the debug information of image %s is %w: its file %s is missing or does not match its digest %s", img.Name(), ErrCorrupted, p, ShortID(d))
	}
	return p, nil
}

// List returns every image, tagged or not, corrupted or not.
func (s *Store) List() ([]Image, error) {
	tags, err := s.tags()
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(s.manifestDir())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read the image store: %w", err)
	}
	var imgs []Image
	seen := map[string]bool{}
	for _, e := range ents {
		if !isHex(e.Name()) {
			continue // a temporary file
		}
		id := "sha256:" + e.Name()
		seen[id] = true
		img := Image{ID: id, Tags: tagsOf(tags, id)}
		if img.Manifest, err = s.manifest(id); err != nil {
			img.Corrupted = err.Error()
		}
		imgs = append(imgs, img)
	}
	// Tags whose manifest is gone or unreadable are images too: broken ones.
	for r, id := range tags {
		if id == "" || !seen[id] {
			imgs = append(imgs, Image{ID: id, Tags: []string{r.String()}, Corrupted: "its tag points to no manifest"})
		}
	}
	return imgs, nil
}

// Blob returns the path of the stored image file with this digest, when
// an intact one is there: a pull need not fetch what the store has.
func (s *Store) Blob(digest string) (string, bool) {
	if !isDigest(digest) {
		return "", false
	}
	p := s.blobPath(digest)
	got, _, err := fileDigest(p)
	return p, err == nil && got == digest
}
