package volume

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// A Mount is one -v option resolved: a disk, or a directory of the host,
// and where the guest mounts it.
type Mount struct {
	Source   string `json:"source"`         // as given: a volume name or a host path
	Disk     string `json:"disk,omitempty"` // the disk image on the host, absolute
	Dir      string `json:"dir,omitempty"`  // or the host directory shared (a bind mount), absolute
	Target   string `json:"target"`         // absolute path in the guest
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// ParseMount reads "SOURCE:/path[:ro|:rw]". SOURCE is a volume of the store,
// or, as Docker tells them apart, a host path when it contains a '/' or
// starts with '.' (or ends in .img): a directory is shared with the guest
// (a bind mount: the guest reads and writes the host's files), a file is a
// disk image (an ext2 file system, as `mke2fs -t ext2 FILE SIZE` makes).
func (s *Store) ParseMount(spec string) (Mount, error) {
	parts := strings.Split(spec, ":")
	bad := func(why string) (Mount, error) {
		return Mount{}, fmt.Errorf("invalid volume %q: %s (use NAME:/path, ./dir:/path or ./disk.img:/path, optionally :ro)", spec, why)
	}
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return bad("want SOURCE:/path")
	}
	m := Mount{Source: parts[0], Target: parts[1]}
	if len(parts) == 3 {
		switch parts[2] {
		case "ro":
			m.ReadOnly = true
		case "rw":
		default:
			return bad("the option after the path must be ro or rw")
		}
	}
	if !path.IsAbs(m.Target) || path.Clean(m.Target) == "/" {
		return bad("the guest path must be absolute and not /")
	}
	m.Target = path.Clean(m.Target)
	for _, reserved := range []string{"/dev", "/proc", "/tmp"} {
		if m.Target == reserved || strings.HasPrefix(m.Target, reserved+"/") {
			return bad(reserved + " belongs to the kernel")
		}
	}
	if IsPath(m.Source) {
		abs, err := filepath.Abs(m.Source)
		if err != nil {
			return Mount{}, err
		}
		st, err := os.Stat(abs)
		if err != nil {
			return Mount{}, fmt.Errorf("volume %q: %v: give an existing directory to share, make the disk first (mke2fs -t ext2 FILE SIZE), or use a volume name", spec, err)
		}
		if st.IsDir() {
			m.Dir = abs
		} else {
			m.Disk = abs
		}
		return m, nil
	}
	v, err := s.Get(m.Source)
	if err != nil {
		return Mount{}, err
	}
	m.Disk = v.Path
	return m, nil
}

// IsPath reports whether a -v source names a host path rather than a
// volume: Docker's rule (a '/' in it, or a leading '.'), and a disk
// image's .img name.
func IsPath(source string) bool {
	return strings.Contains(source, "/") || strings.HasPrefix(source, ".") || strings.HasSuffix(source, ".img")
}
