package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A package in the module cache cannot be given the kernel import with
// go build -overlay: the go command refuses to replace any file beneath
// GOMODCACHE, whose trees are read-only and checked against go.sum. Such a
// package is built from a stand-in instead: a directory outside the cache
// that holds the package's own directory as copies and every other entry of
// its module as a symbolic link to the cache, named by a replace directive of
// the build's go.work. The module's go.mod is the same, so its requirements
// and the versions chosen are unchanged; the cache is only read.

// replacement is one replace directive of the build's go.work: the module at
// Path comes from the directory Dir.
type replacement struct {
	Path, Dir string
}

// goModCache is the go command's module cache directory.
func goModCache(ctx context.Context, dir string, env []string) (string, error) {
	out, err := goCmd(ctx, dir, env, "env", "GOMODCACHE")
	if err != nil {
		return "", fmt.Errorf("cannot run the go command: %s", goMessage(err))
	}
	return strings.TrimSpace(string(out)), nil
}

// inModCache reports whether the package p comes from the module cache
// (found by asking the go command only for packages outside the main
// modules, so that local builds do not pay for it).
func inModCache(ctx context.Context, dir string, env []string, p *pkgInfo) (bool, error) {
	if p.Module == nil || p.Module.Main {
		return false, nil
	}
	cache, err := goModCache(ctx, dir, env)
	if err != nil {
		return false, err
	}
	return cache != "" && within(p.Dir, cache), nil
}

// makeStandIn makes the stand-in of the module at modDir in dst, with the
// package directory pkgDir (inside modDir) as a real directory of copied
// files, and returns the package directory's path in dst. embeds are the
// files the package embeds (//go:embed, relative to pkgDir): they are
// copied too, wherever they are, since the go command refuses to embed a
// symbolic link.
func makeStandIn(dst, modDir, pkgDir string, embeds []string) (string, error) {
	rel, err := filepath.Rel(modDir, pkgDir)
	if err != nil || !within(pkgDir, modDir) {
		return "", fmt.Errorf("package directory %s is not inside its module %s", pkgDir, modDir)
	}
	// The directories made real, and the files copied, relative to modDir.
	realDirs := map[string]bool{".": true}
	copies := map[string]bool{}
	for d := rel; d != "."; d = filepath.Dir(d) {
		realDirs[d] = true
	}
	entries, err := os.ReadDir(pkgDir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			copies[filepath.Join(rel, e.Name())] = true
		}
	}
	for _, f := range embeds {
		f = filepath.Join(rel, filepath.FromSlash(f))
		copies[f] = true
		for d := filepath.Dir(f); d != "."; d = filepath.Dir(d) {
			realDirs[d] = true
		}
	}
	if err := standInDir(modDir, dst, ".", realDirs, copies); err != nil {
		return "", fmt.Errorf("cannot make a copy of %s outside the module cache: %w", pkgDir, err)
	}
	return filepath.Join(dst, rel), nil
}

// standInDir fills dst/rel from src/rel: directories in realDirs are made
// and filled in turn, files in copies are copied, everything else is a
// symbolic link to src.
func standInDir(src, dst, rel string, realDirs, copies map[string]bool) error {
	if err := os.MkdirAll(filepath.Join(dst, rel), 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(src, rel))
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := filepath.Join(rel, e.Name())
		var err error
		switch {
		case realDirs[name] && e.IsDir():
			err = standInDir(src, dst, name, realDirs, copies)
		case copies[name]:
			err = copyFile(filepath.Join(src, name), filepath.Join(dst, name))
		default:
			err = os.Symlink(filepath.Join(src, name), filepath.Join(dst, name))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies a regular file, writable by its owner so that the
// temporary tree can be removed (the module cache's files are read-only).
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// cachedModule finds the module that provides the package at pkgPath in
// the module cache (the longest module path that is a prefix of it, as the
// go command looks), and its newest version there: the one unigo builds
// when the package is in no module of the current context.
func cachedModule(cache, pkgPath string) (modPath, version string, ok bool) {
	for p := pkgPath; p != "." && p != "/"; p = pathDir(p) {
		dirs, _ := filepath.Glob(filepath.Join(cache, filepath.FromSlash(escapeModPath(p))+"@*"))
		for _, d := range dirs {
			st, err := os.Stat(d)
			if err != nil || !st.IsDir() {
				continue
			}
			v := d[strings.LastIndex(d, "@")+1:]
			if version == "" || compareVersions(v, version) > 0 {
				version = v
			}
		}
		if version != "" {
			return p, version, true
		}
	}
	return "", "", false
}

func pathDir(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i]
	}
	return "."
}

// escapeModPath is a module path as the module cache spells it: each
// upper-case letter becomes '!' and its lower case.
func escapeModPath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// compareVersions orders two module versions (vMAJOR.MINOR.PATCH with an
// optional -prerelease and +build) by semantic versioning's precedence: a
// release comes after its prereleases, and pseudo-versions, being
// prereleases, order by their time stamps.
func compareVersions(a, b string) int {
	a, _, _ = strings.Cut(strings.TrimPrefix(a, "v"), "+")
	b, _, _ = strings.Cut(strings.TrimPrefix(b, "v"), "+")
	aCore, aPre, aHasPre := strings.Cut(a, "-")
	bCore, bPre, bHasPre := strings.Cut(b, "-")
	if c := compareIdents(strings.Split(aCore, "."), strings.Split(bCore, ".")); c != 0 {
		return c
	}
	switch {
	case aHasPre && !bHasPre:
		return -1
	case !aHasPre && bHasPre:
		return 1
	}
	return compareIdents(strings.Split(aPre, "."), strings.Split(bPre, "."))
}

// compareIdents compares dot-separated identifiers: numbers numerically
// and before words, words by their bytes, a shorter list first.
func compareIdents(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		an, aErr := strconv.ParseUint(a[i], 10, 64)
		bn, bErr := strconv.ParseUint(b[i], 10, 64)
		switch {
		case aErr == nil && bErr == nil && an != bn:
			if an < bn {
				return -1
			}
			return 1
		case aErr == nil && bErr != nil:
			return -1
		case aErr != nil && bErr == nil:
			return 1
		case aErr != nil && a[i] != b[i]:
			return strings.Compare(a[i], b[i])
		}
	}
	return len(a) - len(b)
}
