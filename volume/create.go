package volume

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// MinSize is the smallest volume: room for ext2's metadata and some data.
const MinSize = 1 << 20

// Create makes an empty ext2 volume of size bytes (sparse on the host: it
// takes space as it fills).
func (s *Store) Create(name string, size int64) (Volume, error) {
	if err := checkName(name); err != nil {
		return Volume{}, err
	}
	if size < MinSize {
		return Volume{}, fmt.Errorf("volume size %d bytes is too small: give at least 1M", size)
	}
	if _, err := s.Get(name); err == nil {
		return Volume{}, fmt.Errorf("volume %s already exists: pick another name, or unigo volume rm %s first", name, name)
	} else if !errors.Is(err, ErrNotFound) {
		return Volume{}, err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return Volume{}, err
	}
	tmp, err := os.MkdirTemp(s.dir, ".new-"+name+"-")
	if err != nil {
		return Volume{}, err
	}
	defer os.RemoveAll(tmp) // only left if something failed
	disk := filepath.Join(tmp, "disk.img")
	if err := MakeFileSystem(disk, size, name); err != nil {
		return Volume{}, err
	}
	v := Volume{Name: name, Size: size, Format: "ext2", Created: time.Now().UTC()}
	meta, _ := json.MarshalIndent(v, "", "  ")
	if err := writeSynced(filepath.Join(tmp, "volume.json"), meta); err != nil {
		return Volume{}, err
	}
	if err := os.Rename(tmp, s.path(name)); err != nil {
		if _, statErr := os.Stat(s.path(name)); statErr == nil {
			return Volume{}, fmt.Errorf("volume %s already exists (made at the same time): pick another name", name)
		}
		return Volume{}, err
	}
	syncDir(s.dir)
	return s.Get(name)
}

// MakeFileSystem creates path as a sparse file of size bytes holding an
// empty ext2 file system labelled label, with e2fsprogs' mke2fs.
func MakeFileSystem(path string, size int64, label string) error {
	mke2fs, err := tool("mke2fs")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if len(label) > 16 {
		label = label[:16]
	}
	// 4 KiB blocks; root owned by root (the app runs as uid 0); no
	// reserved blocks: the disk belongs to the one app.
	cmd := exec.Command(mke2fs, "-q", "-F", "-t", "ext2", "-b", "4096", "-m", "0", "-L", label,
		"-E", "root_owner=0:0", path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mke2fs failed on %s: %v\n%s", path, err, out.Bytes())
	}
	g, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = g.Sync()
	g.Close()
	return err
}

// tool finds an e2fsprogs program (in /sbin on Debian, often not in a
// user's PATH).
func tool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: volumes are ext2 file systems made and checked by e2fsprogs; install it (apt-get install e2fsprogs)", name)
}

func writeSynced(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
