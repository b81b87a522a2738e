package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/store"
)

// runTarget is what `unigo run` boots: an image file, a package built for
// the occasion, or an image from the store.
type runTarget struct {
	path    string       // the image file to boot
	name    string       // the app's os.Args[0]
	ref     string       // a stored image as the command line named it
	stored  *store.Image // nil unless from the store
	config  store.Config // a package's unigo.yaml run defaults, when built here
	cleanup func()
}

// resolveTarget decides what arg names: an existing file, or a name ending
// in .img, is an image file; a local path (., /, an existing directory) is
// a package to build; anything else is looked up in the image store, and
// if it is not there but looks like an import path (example.com/app), it
// is built as a package.
func resolveTarget(ctx context.Context, arg string, verbose bool) (*runTarget, error) {
	t := &runTarget{path: arg, cleanup: func() {}}
	st, statErr := os.Stat(arg)
	switch {
	case statErr == nil && st.Mode().IsRegular(), strings.HasSuffix(arg, ".img"):
		t.name = strings.TrimSuffix(filepath.Base(arg), filepath.Ext(arg))
		return t, nil
	case statErr == nil && st.IsDir(), strings.HasPrefix(arg, "."), filepath.IsAbs(arg):
		return buildTarget(ctx, arg, verbose)
	}
	s, err := openStore()
	if err != nil {
		return nil, err
	}
	img, err := s.Get(arg)
	if errors.Is(err, store.ErrNotFound) && looksLikeImportPath(arg) {
		return buildTarget(ctx, arg, verbose)
	}
	if err != nil {
		return nil, err
	}
	if t.path, err = s.BlobPath(img); err != nil {
		return nil, err
	}
	t.ref, t.stored, t.name = arg, img, "app"
	if r, err := store.ParseRef(img.Name()); err == nil {
		t.name = r.Base()
	}
	return t, nil
}

// looksLikeImportPath: a first path element with a dot, as module paths have.
func looksLikeImportPath(arg string) bool {
	first, _, _ := strings.Cut(arg, "/")
	return strings.Contains(first, ".") && !strings.Contains(arg, ":")
}

// buildTarget builds a package into a temporary image.
func buildTarget(ctx context.Context, pkg string, verbose bool) (*runTarget, error) {
	tmp, err := os.MkdirTemp("", "unigo-run-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	t := &runTarget{name: packageName(pkg), cleanup: func() { os.RemoveAll(tmp) }}
	t.path = filepath.Join(tmp, t.name+".img")
	opts := build.Options{Package: pkg, Output: t.path, Verbose: verbose}
	if verbose {
		opts.Progress = os.Stderr
	}
	res, err := build.Build(ctx, opts)
	if err != nil {
		t.cleanup()
		return nil, err
	}
	if res.Config != nil {
		t.config = res.Config.Run
	}
	return t, nil
}

// defaults is how the image runs unless the command line says otherwise.
func (t *runTarget) defaults() store.Config {
	if t.stored == nil {
		return t.config
	}
	return t.stored.Manifest.Config
}

// mergeEnv is def with the variables of over added or replaced.
func mergeEnv(def, over []string) []string {
	out := append([]string{}, def...)
	for _, kv := range over {
		key, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, d := range out {
			if strings.HasPrefix(d, key+"=") {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// packageName is the name the image of a package gets: its directory's or
// import path's last element.
func packageName(pkg string) string {
	if abs, err := filepath.Abs(pkg); err == nil && (strings.HasPrefix(pkg, ".") || filepath.IsAbs(pkg)) {
		return filepath.Base(abs)
	}
	return build.DefaultName(pkg)
}
