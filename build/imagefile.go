package build

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// imageFromPath reads a docker save archive (gzipped too), an OCI image
// layout, or an OCI layout's tar archive; digest is the manifest's when
// the layout has one.
func imageFromPath(p string, st fs.FileInfo, tmp string) (img v1.Image, digest string, err error) {
	const what = "give a docker save archive, an OCI image layout or its tar archive"
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(p, "index.json")); err != nil {
			if _, err := os.Stat(filepath.Join(p, "manifest.json")); err == nil {
				return nil, "", fmt.Errorf("%s is an unpacked docker save archive: give the archive itself (docker save -o FILE IMAGE)", p)
			}
			return nil, "", fmt.Errorf("%s is a directory but not an OCI image layout (it has no index.json): %s", p, what)
		}
		return imageFromLayout(p, p)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		// The tarball package reads the archive by seeking: uncompress it.
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v", p, err)
		}
		plain := filepath.Join(tmp, "image.tar")
		out, err := os.Create(plain)
		if err != nil {
			return nil, "", err
		}
		_, err = io.Copy(out, zr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s: uncompressing: %v", p, err)
		}
		img, digest, err := imageFromArchive(plain, tmp)
		if err != nil {
			err = errors.New(strings.Replace(err.Error(), plain, p, 1))
		}
		return img, digest, err
	}
	return imageFromArchive(p, tmp)
}

// imageFromArchive reads a tar archive: docker save's (manifest.json) or
// an OCI layout's (index.json), unpacked into tmp first.
func imageFromArchive(p, tmp string) (v1.Image, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var manifest, index bool
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s is not a tar archive: give a docker save archive, an OCI image layout or its tar archive, an image of the local Docker engine or a registry reference", p)
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "manifest.json":
			manifest = true
		case "index.json":
			index = true
		}
	}
	switch {
	case manifest:
		img, err := tarball.ImageFromPath(p, nil)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v (an archive of several images? save one: docker save -o FILE IMAGE:TAG)", p, err)
		}
		return img, "", nil
	case index:
		dir := filepath.Join(tmp, "layout")
		if err := untarPlain(p, dir); err != nil {
			return nil, "", fmt.Errorf("%s: %v", p, err)
		}
		return imageFromLayout(dir, p)
	}
	return nil, "", fmt.Errorf("%s is a tar archive but not an image's (it has neither docker save's manifest.json nor an OCI layout's index.json)", p)
}

// untarPlain unpacks the directories and regular files of the tar archive
// p into the new directory dir, and nothing outside it.
func untarPlain(p, dir string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name, err := entryPath(h.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = root.MkdirAll(name, 0o755)
		case tar.TypeReg:
			if err = root.MkdirAll(filepath.Dir(name), 0o755); err == nil {
				var out *os.File
				if out, err = root.Create(name); err == nil {
					_, err = io.Copy(out, tr)
					if cerr := out.Close(); err == nil {
						err = cerr
					}
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

// imageFromLayout reads the OCI image layout dir (label names it in
// errors), taking its linux/amd64 image.
func imageFromLayout(dir, label string) (v1.Image, string, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not a readable OCI image layout: %v", label, err)
	}
	return pickAMD64(idx, label)
}
