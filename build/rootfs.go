package build

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"unigo.dev/unigo/internal/cpio"
)

// packRoot packs the directory dir (relative to base) as the image's root
// file system: its contents appear at "/" inside the unikernel, read-only.
func packRoot(dir, base string) ([]byte, error) {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(base, dir)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--rootfs %s: not a directory: give the directory whose contents become the image's /", dir)
	}
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	if err := w.AddDir(dir, ""); err != nil {
		return nil, fmt.Errorf("packing --rootfs %s: %w", dir, err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
