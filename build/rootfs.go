package build

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"unigo.dev/unigo/internal/cpio"
)

// packRoot packs the image's root file system: the directory dir (absolute;
// "" for none), the files (guest path → host file) and the symbolic links
// (guest path → target), which win over the directory's (the first entry of
// a path is the one the guest keeps). Its contents appear at "/" inside the
// unikernel, read-only.
func packRoot(dir string, files, links map[string]string, omit ...string) ([]byte, error) {
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	for _, g := range sortedKeys(links) {
		name := strings.TrimPrefix(g, "/")
		if parent := path.Dir(name); parent != "." {
			w.Entry(parent, cpio.ModeDir|0o755, 0, nil)
		}
		w.Entry(name, cpio.ModeSymlink|0o777, 0, []byte(links[g]))
	}
	for _, g := range sortedKeys(files) {
		host := files[g]
		st, err := os.Stat(host)
		if err != nil || !st.Mode().IsRegular() {
			return nil, fmt.Errorf("files: %s for %s is not a regular file: check the path in %s", host, g, ConfigFile)
		}
		data, err := os.ReadFile(host)
		if err != nil {
			return nil, err
		}
		w.Entry(strings.TrimPrefix(g, "/"), cpio.ModeRegular|uint32(st.Mode().Perm()), st.ModTime().Unix(), data)
	}
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("rootfs %s: not a directory: give the directory whose contents become the image's /", dir)
		}
		skip := func(name string) bool { return slices.Contains(omit, "/"+name) }
		if err := w.AddDirExcept(dir, "", skip); err != nil {
			return nil, fmt.Errorf("packing rootfs %s: %w", dir, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
