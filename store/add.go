package store

import (
	"errors"
	"fmt"
	"os"
	"time"

	"unigo.dev/unigo/image"
	"unigo.dev/unigo/internal/atomicfile"
)

// Add stores the image file at path with the manifest m (its Format, Blob
// and, when zero, Created are filled in), and points refs at it. The file
// is stored without its DWARF, which goes into a debug file beside it
// (image.SplitDebug): what boots, is pushed and pulled is the image
// without, and DebugPath finds the debug file for profiles and gdb. The blob
// and the manifest are written before the tags, so the image appears whole
// or not at all. An image equal to the one refs[0] already names, apart
// from its creation time, is not stored twice: the tags point to the
// existing one.
func (s *Store) Add(path string, m Manifest, refs ...Ref) (*Image, error) {
	info, err := image.Open(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read image: %w", err)
	}
	data, debug, err := image.SplitDebug(data)
	if err != nil {
		return nil, err
	}
	m.SchemaVersion = SchemaVersion
	m.Format = info.Version
	m.Blob = Blob{Digest: digestOf(data), Size: int64(len(data))}
	if m.Created.IsZero() {
		m.Created = time.Now().UTC()
	}

	l, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	if err := s.writeBlob(m.Blob.Digest, data); err != nil {
		return nil, err
	}
	if debug != nil {
		if err := s.writeDebug(m.Blob.Digest, debug); err != nil {
			return nil, err
		}
	}
	id := ""
	if len(refs) > 0 {
		if old, err := s.readTag(refs[0]); err == nil {
			if om, err := s.manifest(old); err == nil && sameImage(om, m) {
				id, m = old, om
			}
		}
	}
	if id == "" {
		enc := m.encode()
		id = digestOf(enc)
		if err := atomicfile.Write(s.manifestPath(id), enc, 0o444); err != nil {
			return nil, fmt.Errorf("cannot store the image's manifest: %w", err)
		}
	}
	for _, r := range refs {
		if err := s.writeTag(r, id); err != nil {
			return nil, err
		}
	}
	tags, err := s.tags()
	if err != nil {
		return nil, err
	}
	return &Image{ID: id, Tags: tagsOf(tags, id), Manifest: m}, nil
}

// writeBlob stores data under its digest, unless an intact copy is there.
// Preconditions: the store's lock is held.
func (s *Store) writeBlob(digest string, data []byte) error {
	p := s.blobPath(digest)
	if got, _, err := fileDigest(p); err == nil && got == digest {
		return nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot read the image store: %w", err)
	}
	if err := atomicfile.Write(p, data, 0o444); err != nil {
		return fmt.Errorf("cannot store the image: %w", err)
	}
	return nil
}

// AddDebug stores debug as the debug file of the stored image file with
// the digest kernel, once image.CheckDebug has matched the two.
func (s *Store) AddDebug(kernel string, debug []byte) error {
	p, ok := s.Blob(kernel)
	if !ok {
		return fmt.Errorf("the store has no image file %s to add debug information to", ShortID(kernel))
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("cannot read the image store: %w", err)
	}
	if err := image.CheckDebug(data, debug); err != nil {
		return err
	}
	l, err := s.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	return s.writeDebug(kernel, debug)
}

// writeDebug stores debug as a blob and links the image file kernel to it.
// Preconditions: the store's lock is held.
func (s *Store) writeDebug(kernel string, debug []byte) error {
	d := digestOf(debug)
	if err := s.writeBlob(d, debug); err != nil {
		return err
	}
	if err := atomicfile.Write(s.debugPath(kernel), []byte(d+"\n"), 0o444); err != nil {
		return fmt.Errorf("cannot store the image's debug information: %w", err)
	}
	return nil
}
