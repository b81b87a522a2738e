package oci

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/store"
)

// Save writes the stored images that refs name as one archive in the
// format of `docker save`, which `docker load` and `unigo load` read, to
// path, atomically ("-": w).
func Save(s *store.Store, refs []string, path string, w io.Writer) error {
	byID := map[string]v1.Image{}
	refToImage := map[name.Reference]v1.Image{}
	for _, r := range refs {
		img, err := s.Get(r)
		if err != nil {
			return err
		}
		oi, ok := byID[img.ID]
		if !ok {
			if oi, err = Image(s, img); err != nil {
				return err
			}
			byID[img.ID] = oi
		}
		// Saved under the tag r names, or, for an ID, the image's first tag.
		if len(img.Tags) == 0 {
			return fmt.Errorf("image %s has no name to save it under: tag it first (unigo tag %s NAME:TAG)", r, r)
		}
		tagName := img.Tags[0]
		if ref, err := store.ParseRef(r); err == nil && slices.Contains(img.Tags, ref.String()) {
			tagName = ref.String()
		}
		t, err := name.NewTag(tagName)
		if err != nil {
			return fmt.Errorf("%s: %w", r, err)
		}
		refToImage[t] = oi
	}
	if path == "-" {
		return tarball.MultiRefWrite(refToImage, w)
	}
	return atomicfile.WriteFrom(path, 0o644, func(w io.Writer) error { return tarball.MultiRefWrite(refToImage, w) })
}

// Load reads an archive of `docker save`'s format (or `unigo save`'s) and
// stores each image in it under its tags. Nothing of an image is stored
// unless all of it checks out.
func Load(ctx context.Context, s *store.Store, path string) ([]*store.Image, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("%s is not an image archive (as docker save or unigo save write): %v", path, err)
	}
	var out []*store.Image
	for i, desc := range m {
		var refs []store.Ref
		for _, t := range desc.RepoTags {
			r, err := store.ParseRef(t)
			if err != nil {
				return out, fmt.Errorf("%s: image %d's tag: %w", path, i+1, err)
			}
			refs = append(refs, r)
		}
		oi, err := imageAt(opener, m, i)
		if err != nil {
			return out, fmt.Errorf("%s: image %d: %w", path, i+1, err)
		}
		img, err := Import(ctx, s, oi, refs, nil)
		if err != nil {
			return out, fmt.Errorf("%s: image %d (%v): %w", path, i+1, desc.RepoTags, err)
		}
		out = append(out, img)
	}
	return out, nil
}

// imageAt opens the archive's i-th image: by its first tag, or, untagged,
// as the archive's only image.
func imageAt(opener tarball.Opener, m tarball.Manifest, i int) (v1.Image, error) {
	if len(m[i].RepoTags) > 0 {
		t, err := name.NewTag(m[i].RepoTags[0])
		if err != nil {
			return nil, err
		}
		return tarball.Image(opener, &t)
	}
	if len(m) == 1 {
		return tarball.Image(opener, nil)
	}
	return nil, fmt.Errorf("an untagged image in an archive of %d: give it a tag when saving", len(m))
}
