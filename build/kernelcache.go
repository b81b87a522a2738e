package build

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"unigo.dev/unigo"
)

// kernelModules are the modules the kernel's packages import: gVisor and
// what its network stack needs (TestKernelModules keeps the list true).
var kernelModules = map[string]bool{
	"gvisor.dev/gvisor":       true,
	"github.com/google/btree": true,
	"golang.org/x/exp":        true,
	"golang.org/x/sys":        true,
	"golang.org/x/time":       true,
}

// kernelGoMod is the go.mod of the extracted kernel module. The kernel ships
// inside the unigo binary without one (an embedded tree cannot hold a go.mod),
// so the build gives it this one. Without the network stack it requires
// nothing, so an app that does not use the network builds with nothing to
// download; with it, it requires what unigo's own go.mod (mod) requires of
// kernelModules, at unigo's go version, and carries unigo's go.sum.
func kernelGoMod(mod []byte, withNet bool) string {
	if !withNet {
		return "module " + ModulePath + "\n\ngo " + KernelModuleGoVersion + "\n"
	}
	goLine := KernelModuleGoVersion
	var reqs []string
	inRequire := false
	for _, line := range strings.Split(string(mod), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "go":
			goLine = f[1]
		case len(f) >= 2 && f[0] == "require" && f[1] == "(":
			inRequire = true
		case inRequire && len(f) > 0 && f[0] == ")":
			inRequire = false
		case inRequire && len(f) >= 2 && kernelModules[f[0]]:
			reqs = append(reqs, f[0]+" "+f[1])
		case len(f) >= 3 && f[0] == "require" && kernelModules[f[1]]:
			reqs = append(reqs, f[1]+" "+f[2])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo %s\n\nrequire (\n", ModulePath, goLine)
	for _, r := range reqs {
		fmt.Fprintf(&b, "\t%s\n", r)
	}
	b.WriteString(")\n")
	return b.String()
}

// kernelModule is the go.mod and go.sum the extracted kernel gets.
type kernelModule struct {
	goMod, goSum string
}

// kernelModuleFor is the kernel module of a build with or without the
// network stack, from unigo's own go.mod and go.sum.
func kernelModuleFor(withNet bool) kernelModule {
	m := kernelModule{goMod: kernelGoMod(unigo.GoMod, withNet)}
	if withNet {
		m.goSum = string(unigo.GoSum)
	}
	return m
}

// extractKernel writes the kernel source tree to the user's cache, as a module
// of its own, and returns its directory. The directory is named by the hash of
// what goes into it, so a cached copy is reused until unigo's kernel changes,
// and it appears atomically (built under a temporary name, then renamed), so a
// concurrent or interrupted build never sees half a kernel.
func extractKernel(src fs.FS, mod kernelModule) (string, error) {
	files, sum, err := kernelFiles(src, mod)
	if err != nil {
		return "", fmt.Errorf("reading the embedded kernel source: %w", err)
	}
	root, err := kernelCacheRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, sum)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the kernel cache: %w: check permissions or set XDG_CACHE_HOME", err)
	}
	tmp, err := os.MkdirTemp(root, ".tmp-"+sum[:12]+"-")
	if err != nil {
		return "", fmt.Errorf("cannot create the kernel cache: %w: check permissions or set XDG_CACHE_HOME", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the kernel cache: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(mod.goMod), 0o444); err != nil {
		return "", fmt.Errorf("cannot extract the kernel: %w", err)
	}
	if mod.goSum != "" {
		if err := os.WriteFile(filepath.Join(tmp, "go.sum"), []byte(mod.goSum), 0o444); err != nil {
			return "", fmt.Errorf("cannot extract the kernel: %w", err)
		}
	}
	for _, name := range files {
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return "", fmt.Errorf("reading the embedded kernel source: %w", err)
		}
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("cannot extract the kernel: %w", err)
		}
		// Read-only: this is a cache of unigo's own source, not a place to edit.
		if err := os.WriteFile(p, data, 0o444); err != nil {
			return "", fmt.Errorf("cannot extract the kernel: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another build may have put the same kernel there first.
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			return dir, nil
		}
		return "", fmt.Errorf("cannot extract the kernel: %w", err)
	}
	return dir, nil
}

// kernelFiles lists the regular files of the kernel tree (under "kernel" in
// src) in a fixed order and hashes their names and contents, together with
// the generated go.mod and go.sum.
func kernelFiles(src fs.FS, mod kernelModule) (files []string, sum string, err error) {
	err = fs.WalkDir(src, "kernel", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n := d.Name(); n != "kernel" && (n[0] == '.' || n[0] == '_') {
			// What go:embed leaves out of the embedded copy.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, name)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(files) == 0 {
		return nil, "", errors.New("it is empty")
	}
	sort.Strings(files)
	h := sha256.New()
	fmt.Fprintf(h, "go.mod\x00%d\x00%s", len(mod.goMod), mod.goMod)
	if mod.goSum != "" {
		fmt.Fprintf(h, "go.sum\x00%d\x00%s", len(mod.goSum), mod.goSum)
	}
	for _, name := range files {
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return files, hex.EncodeToString(h.Sum(nil)), nil
}

// kernelCacheRoot is $XDG_CACHE_HOME/unigo/kernel, or ~/.cache/unigo/kernel.
func kernelCacheRoot() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the kernel source (%v): set XDG_CACHE_HOME or HOME", err)
	}
	return filepath.Join(cache, "unigo", "kernel"), nil
}
