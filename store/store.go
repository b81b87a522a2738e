// Package store is unigo's local image store: the images `unigo build -t`
// makes and `unigo run NAME` boots, under names such as hello:latest.
//
// Layout, under ROOT/images (see DefaultRoot):
//
//	blobs/sha256/HEX      an image file, named by the sha256 of its bytes;
//	                      or the debug file of one
//	debug/sha256/HEX      the digest of the debug file (its DWARF) of the
//	                      image file HEX, when the store has it
//	manifests/sha256/HEX  an image's manifest (JSON), named by the sha256 of
//	                      its bytes; "sha256:HEX" is the image's ID
//	tags/NAME:TAG         the ID a name points to ('/' in NAME written '%')
//	lock                  held by every writer
//
// Blobs and manifests never change once written, and each is checked
// against its name when read: a damaged file is reported, never booted.
// Every file appears whole (temporary file, fsync, rename), and a new image
// becomes visible only when its tag is written, after its blob and
// manifest: two builds at once, or one killed halfway, never leave a broken
// image behind, only unreferenced files that Prune removes. Readers take no
// lock.
package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/internal/lockfile"
)

// Store is an image store in a directory.
type Store struct {
	dir string // ROOT/images
}

// ErrNotFound is wrapped by the error for a reference that names no image.
var ErrNotFound = errors.New("no such image")

// ErrCorrupted is wrapped by the error for an image whose manifest or blob
// does not match its digest (changed or damaged on disk).
var ErrCorrupted = errors.New("corrupted")

// DefaultRoot is where unigo keeps images and instances: $UNIGO_ROOT;
// /var/lib/unigo for root; $XDG_DATA_HOME/unigo, or ~/.local/share/unigo,
// for anyone else.
func DefaultRoot() (string, error) {
	if r := os.Getenv("UNIGO_ROOT"); r != "" {
		return filepath.Abs(r)
	}
	if os.Geteuid() == 0 {
		return "/var/lib/unigo", nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "unigo"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no place for unigo's images (%v): set UNIGO_ROOT or HOME", err)
	}
	return filepath.Join(home, ".local", "share", "unigo"), nil
}

// Open returns the store under root. Nothing is created until something
// is stored: a store that does not exist yet is empty.
func Open(root string) *Store {
	return &Store{dir: filepath.Join(root, "images")}
}

func (s *Store) blobDir() string     { return filepath.Join(s.dir, "blobs", "sha256") }
func (s *Store) debugDir() string    { return filepath.Join(s.dir, "debug", "sha256") }
func (s *Store) manifestDir() string { return filepath.Join(s.dir, "manifests", "sha256") }

func (s *Store) blobPath(digest string) string {
	return filepath.Join(s.blobDir(), strings.TrimPrefix(digest, "sha256:"))
}

func (s *Store) debugPath(kernel string) string {
	return filepath.Join(s.debugDir(), strings.TrimPrefix(kernel, "sha256:"))
}

func (s *Store) manifestPath(id string) string {
	return filepath.Join(s.manifestDir(), strings.TrimPrefix(id, "sha256:"))
}

func (s *Store) tagsDir() string { return filepath.Join(s.dir, "tags") }

// lock creates the store's directories and takes the writers' lock.
func (s *Store) lock() (*lockfile.Lock, error) {
	for _, d := range []string{s.blobDir(), s.manifestDir(), s.tagsDir(), s.debugDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create the image store: %w: set UNIGO_ROOT to a writable directory", err)
		}
	}
	return lockfile.Acquire(filepath.Join(s.dir, "lock"))
}

// digestOf is "sha256:" and the hex sha256 of data.
func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// fileDigest hashes a file.
func fileDigest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n, nil
}

// isDigest tells a full "sha256:HEX" digest.
func isDigest(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256:")
	return ok && len(h) == 64 && isHex(h)
}

func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}

// ShortID is the first 12 hex digits of an ID, as `unigo images` shows it.
func ShortID(id string) string {
	h := strings.TrimPrefix(id, "sha256:")
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}
