package launch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/image"
	"unigo.dev/unigo/store"
)

// Image is what a configuration boots, found: an image file, a package
// built for the occasion into a temporary file, or an image of the store.
type Image struct {
	Path     string       // the image file to boot
	Name     string       // the app's default os.Args[0]
	Program  string       // the unmodified executable the image was made of, if any
	Stored   *store.Image // nil unless from the store
	Defaults store.Config // how the image runs unless the configuration says otherwise
	cleanup  func()
}

// Close removes a temporary image.
func (img *Image) Close() {
	if img.cleanup != nil {
		img.cleanup()
		img.cleanup = nil
	}
}

// resolveImage decides what cfg.Image names: with an ImageID, that image
// of the store; an existing file that is a program, not a unigo image (an
// ELF executable without unigo's notes, a script), is an unmodified
// executable to make an image of; another existing file, or a name ending
// in .img, is an image file; a local path (., /, an existing directory) is
// a package to build; anything else is looked up in the image store, and
// if it is not there but looks like an import path (example.com/app), it is
// built as a package.
func resolveImage(ctx context.Context, env Env, cfg Config) (*Image, error) {
	if cfg.ImageID != "" {
		return storedImage(env, cfg.ImageID, cfg.Image)
	}
	arg := cfg.Image
	if arg == "" {
		return nil, errors.New("no image to run: name an image file, an image of the store or a package")
	}
	st, statErr := os.Stat(arg)
	switch {
	case statErr == nil && st.Mode().IsRegular() && isProgram(arg):
		return execImage(ctx, env, arg, cfg.NetStack)
	case statErr == nil && st.Mode().IsRegular(), strings.HasSuffix(arg, ".img"):
		return &Image{Path: arg, Name: strings.TrimSuffix(filepath.Base(arg), filepath.Ext(arg))}, nil
	case statErr == nil && st.IsDir(), strings.HasPrefix(arg, "."), filepath.IsAbs(arg):
		return buildImage(ctx, env, arg)
	}
	img, err := storedImage(env, arg, arg)
	if errors.Is(err, store.ErrNotFound) && looksLikeImportPath(arg) {
		return buildImage(ctx, env, arg)
	}
	return img, err
}

// storedImage is the image of the store that ref names; name is how the
// user named it (for os.Args[0]).
func storedImage(env Env, ref, name string) (*Image, error) {
	s := store.Open(env.Root)
	img, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	path, err := s.BlobPath(img)
	if err != nil {
		return nil, err
	}
	argv0 := "app"
	if r, err := store.ParseRef(img.Name()); err == nil {
		argv0 = r.Base()
	}
	return &Image{Path: path, Name: argv0, Stored: img, Defaults: img.Manifest.Config}, nil
}

// looksLikeImportPath: a first path element with a dot, as module paths have.
func looksLikeImportPath(arg string) bool {
	first, _, _ := strings.Cut(arg, "/")
	return strings.Contains(first, ".") && !strings.Contains(arg, ":")
}

// buildImage builds a package into a temporary image.
func buildImage(ctx context.Context, env Env, pkg string) (*Image, error) {
	tmp, err := os.MkdirTemp("", "unigo-run-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	img := &Image{Name: packageName(pkg), cleanup: func() { os.RemoveAll(tmp) }}
	img.Path = filepath.Join(tmp, img.Name+".img")
	opts := build.Options{Package: pkg, Output: img.Path, Verbose: env.Verbose != nil, Progress: env.Verbose}
	res, err := build.Build(ctx, opts)
	if err != nil {
		img.Close()
		return nil, err
	}
	if res.Config != nil {
		img.Defaults = res.Config.Run
	}
	return img, nil
}

// isProgram tells a program to boot unmodified from a unigo image: an ELF
// file without unigo's boot notes (whatever its machine or linking:
// build.Exec says what is wrong with one that cannot boot), or a script.
func isProgram(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("#!")):
		return true
	case !bytes.Equal(head, []byte("\x7fELF")):
		return false
	}
	_, err = image.Open(path)
	return errors.Is(err, image.ErrNotImage)
}

// execImage makes a temporary image of the unmodified executable prog
// (build.Exec): the kernel for unmodified executables, from unigo's cache,
// with prog in its root; netStack forces the network stack into it.
func execImage(ctx context.Context, env Env, prog string, netStack bool) (*Image, error) {
	tmp, err := os.MkdirTemp("", "unigo-run-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(prog), filepath.Ext(prog))
	img := &Image{Name: name, Program: prog, cleanup: func() { os.RemoveAll(tmp) }}
	img.Path = filepath.Join(tmp, name+".img")
	opts := build.ExecOptions{Program: prog, Output: img.Path, Verbose: env.Verbose != nil, Progress: env.Verbose, NetStack: netStack}
	if _, err := build.Exec(ctx, opts); err != nil {
		img.Close()
		return nil, err
	}
	return img, nil
}

// packageName is the name the image of a package gets: its directory's or
// import path's last element.
func packageName(pkg string) string {
	if abs, err := filepath.Abs(pkg); err == nil && (strings.HasPrefix(pkg, ".") || filepath.IsAbs(pkg)) {
		return filepath.Base(abs)
	}
	return build.DefaultName(pkg)
}
