package build

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// OCI and AUFS whiteouts: a layer deletes a lower layer's NAME with an
// entry .wh.NAME, and hides all a lower layer put in a directory with
// DIR/.wh..wh..opq.
const (
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
)

// unpacker applies an image's layers in order to a directory, as overlayfs
// would show them merged. Every path goes through root, an os.Root, and is
// resolved by resolve, which follows symbolic links as the guest will
// (absolute targets from the image's /): no entry of a hostile layer can
// write outside the directory.
type unpacker struct {
	root *os.Root
	// dirs: the modes and times of the directories the layers gave, set
	// last, so that a read-only directory is still filled and its time is
	// not changed by its entries.
	dirs map[string]dirMeta
	// layer: the paths the layer being applied wrote, and their parents;
	// an opaque whiteout hides only what lower layers put there.
	layer map[string]bool
	// devices and fifos count the entries a unikernel has no use for.
	devices, fifos int
}

type dirMeta struct {
	mode  fs.FileMode
	mtime time.Time
}

func newUnpacker(root *os.Root) *unpacker {
	return &unpacker{root: root, dirs: map[string]dirMeta{}}
}

// apply unpacks one layer, an uncompressed tar stream; n is its number in
// messages. It returns the bytes of file contents written.
func (u *unpacker) apply(ctx context.Context, r io.Reader, n int) (int64, error) {
	u.layer = map[string]bool{}
	tr := tar.NewReader(r)
	var written int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return written, nil
		}
		if err != nil {
			return written, fmt.Errorf("layer %d: %v", n, err)
		}
		if err := ctx.Err(); err != nil {
			return written, err
		}
		name, err := entryPath(h.Name)
		if err != nil {
			return written, fmt.Errorf("layer %d: %v: refusing the image", n, err)
		}
		if name == "" {
			continue // the root directory itself
		}
		nw, err := u.entry(h, name, tr)
		written += nw
		if err != nil {
			return written, fmt.Errorf("layer %d: %s: %v", n, name, err)
		}
	}
}

// entryPath cleans a tar entry's name into a path relative to the root
// ("" for the root), and refuses one with a ".." component.
func entryPath(name string) (string, error) {
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "", ".":
		case "..":
			return "", fmt.Errorf("the entry %q leaves the image's root (a \"..\" in its path)", name)
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/"), nil
}

// entry applies one tar entry at name (clean, relative).
func (u *unpacker) entry(h *tar.Header, name string, r io.Reader) (int64, error) {
	dir, base := path.Split(name)
	if base == opaqueWhiteout {
		d, err := u.resolve(dir, false, false)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		u.touch(d)
		return 0, u.hideLower(d)
	}
	if hidden, ok := strings.CutPrefix(base, whiteoutPrefix); ok {
		if hidden == "" || hidden == "." || hidden == ".." {
			return 0, fmt.Errorf("a whiteout of %q: refusing the image", hidden)
		}
		d, err := u.resolve(dir, false, false)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		p := path.Join(d, hidden)
		u.forget(p)
		return 0, u.root.RemoveAll(p)
	}

	d, err := u.resolve(dir, true, false)
	if err != nil {
		return 0, err
	}
	full := path.Join(d, base)
	u.touch(full)
	old, err := u.root.Lstat(full)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	mode := h.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)

	if h.Typeflag == tar.TypeDir {
		if exists && !old.IsDir() {
			if err := u.root.RemoveAll(full); err != nil {
				return 0, err
			}
			u.forget(full)
			exists = false
		}
		if !exists {
			if err := u.root.Mkdir(full, 0o755); err != nil {
				return 0, err
			}
		}
		u.dirs[full] = dirMeta{mode, h.ModTime}
		return 0, nil
	}
	// Any other entry replaces what lower layers had at its path.
	if exists {
		if err := u.root.RemoveAll(full); err != nil {
			return 0, err
		}
		u.forget(full)
	}
	switch h.Typeflag {
	case tar.TypeReg:
		f, err := u.root.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return n, err
		}
		if err := u.root.Chmod(full, mode); err != nil {
			return n, err
		}
		return n, u.root.Chtimes(full, h.ModTime, h.ModTime)
	case tar.TypeSymlink:
		if h.Linkname == "" {
			return 0, errors.New("a symbolic link to nothing")
		}
		// Kept as the image has it; it is only ever followed by resolve.
		return 0, u.root.Symlink(h.Linkname, full)
	case tar.TypeLink:
		target, err := entryPath(h.Linkname)
		if err != nil {
			return 0, err
		}
		td, tb := path.Split(target)
		tdir, err := u.resolve(td, false, false)
		var st fs.FileInfo
		if err == nil {
			st, err = u.root.Lstat(rel(path.Join(tdir, tb)))
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("a hard link to %s: %v", h.Linkname, err)
		}
		if err != nil || st.IsDir() {
			return 0, fmt.Errorf("a hard link to %s, which is not a file of the image", h.Linkname)
		}
		return 0, u.root.Link(path.Join(tdir, tb), full)
	case tar.TypeChar, tar.TypeBlock:
		u.devices++
	case tar.TypeFifo:
		u.fifos++
	}
	return 0, nil
}

// forget drops the directory modes recorded at p and under it, removed.
func (u *unpacker) forget(p string) {
	for d := range u.dirs {
		if d == p || strings.HasPrefix(d, p+"/") {
			delete(u.dirs, d)
		}
	}
}

// touch records that the current layer wrote p, and so its parents.
func (u *unpacker) touch(p string) {
	for ; p != "" && p != "."; p = path.Dir(p) {
		u.layer[p] = true
	}
}

// hideLower removes from the directory d what lower layers put there: all
// but the current layer's entries (and, in the current layer's
// directories, their lower entries too).
func (u *unpacker) hideLower(d string) error {
	f, err := u.root.Open(rel(d))
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := path.Join(d, e.Name())
		if !u.layer[p] {
			if err := u.root.RemoveAll(p); err != nil {
				return err
			}
			u.forget(p)
		} else if e.IsDir() {
			if err := u.hideLower(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolve turns the directory path p (relative to the root) into one with
// no symbolic links, following links as the guest will: an absolute target
// starts again at the image's root, ".." stops at it. Missing directories
// are made when create is set, else the error is fs.ErrNotExist. With leaf
// set, p's last component may be other than a directory.
func (u *unpacker) resolve(p string, create, leaf bool) (string, error) {
	rest := strings.Split(p, "/")
	cur := ""
	for links := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if cur = path.Dir(cur); cur == "." {
				cur = ""
			}
			continue
		}
		next := path.Join(cur, c)
		st, err := u.root.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist) && create:
			if err := u.root.Mkdir(next, 0o755); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		case st.Mode()&fs.ModeSymlink != 0:
			if links++; links > 40 {
				return "", fmt.Errorf("%s: too many levels of symbolic links", p)
			}
			target, err := u.root.Readlink(next)
			if err != nil {
				return "", err
			}
			if strings.HasPrefix(target, "/") {
				cur = ""
			}
			rest = append(strings.Split(target, "/"), rest...)
			continue
		case !st.IsDir() && !(leaf && last(rest)):
			return "", fmt.Errorf("%s is not a directory", next)
		}
		cur = next
	}
	return cur, nil
}

// last says whether the path components left are none but empty ones.
func last(rest []string) bool {
	for _, c := range rest {
		if c != "" && c != "." {
			return false
		}
	}
	return true
}

// ImagePath returns the host path, under dir (an image's root unpacked by
// ImageRoot), of p, a path as the guest names it, with symbolic links
// followed as the guest will follow them (absolute targets from the image's
// root): the file an entrypoint names is then checked where the guest will
// find it (CheckStaticExecutable), never outside dir.
func ImagePath(dir, p string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	r, err := newUnpacker(root).resolve(p, false, true)
	if err != nil {
		return "", fmt.Errorf("%s: not in the image: %w", p, err)
	}
	return filepath.Join(dir, filepath.FromSlash(r)), nil
}

// finish gives the directories their modes and times, deepest first, and
// says what was left out.
func (u *unpacker) finish() ([]string, error) {
	paths := make([]string, 0, len(u.dirs))
	for p := range u.dirs {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	for _, p := range paths {
		m := u.dirs[p]
		if st, err := u.root.Lstat(p); err != nil || !st.IsDir() {
			continue
		}
		if err := u.root.Chmod(p, m.mode); err != nil {
			return nil, err
		}
		if err := u.root.Chtimes(p, m.mtime, m.mtime); err != nil {
			return nil, err
		}
	}
	var notes []string
	if u.devices+u.fifos > 0 {
		notes = append(notes, fmt.Sprintf("left out %d device nodes and %d FIFOs of the image: a unikernel has its own /dev, and a FIFO can be made at run time", u.devices, u.fifos))
	}
	return notes, nil
}

// rel is p for os.Root, where the root itself is ".".
func rel(p string) string {
	if p == "" {
		return "."
	}
	return p
}
