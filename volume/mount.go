package volume

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// A Mount is one -v option resolved: a disk and where the guest mounts it.
type Mount struct {
	Source   string `json:"source"` // as given: a volume name or a host path
	Disk     string `json:"disk"`   // the disk image on the host, absolute
	Target   string `json:"target"` // absolute path in the guest
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// ParseMount reads "SOURCE:/path[:ro|:rw]". SOURCE is a volume of the store,
// or, when it contains a '/' or ends in .img, a disk image file on the host
// (an ext2 file system, as `mke2fs -t ext2 FILE SIZE` makes).
func (s *Store) ParseMount(spec string) (Mount, error) {
	parts := strings.Split(spec, ":")
	bad := func(why string) (Mount, error) {
		return Mount{}, fmt.Errorf("invalid volume %q: %s (use NAME:/path or ./disk.img:/path, optionally :ro)", spec, why)
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
	if strings.Contains(m.Source, "/") || strings.HasSuffix(m.Source, ".img") {
		abs, err := filepath.Abs(m.Source)
		if err != nil {
			return Mount{}, err
		}
		if _, err := os.Stat(abs); err != nil {
			return Mount{}, fmt.Errorf("volume %q: %v: make the disk first (mke2fs -t ext2 FILE SIZE), or use a volume name", spec, err)
		}
		m.Disk = abs
		return m, nil
	}
	v, err := s.Get(m.Source)
	if err != nil {
		return Mount{}, err
	}
	m.Disk = v.Path
	return m, nil
}
