package oci

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"unigo.dev/unigo/store"
)

// ErrNotUnigo is wrapped by the error for an image that is a plain
// container image, not a unigo image.
var ErrNotUnigo = errors.New("not a unigo image")

// Import puts src into the store under refs. Every digest is checked before
// anything is stored (each layer's against the manifest and its
// uncompressed content against the config's diff IDs, the kernel against
// the descriptor), and the store's own write is atomic: an import that
// fails or is killed leaves nothing. A kernel the store already has is not
// fetched again. fetched counts the layer bytes read.
func Import(ctx context.Context, s *store.Store, src v1.Image, refs []store.Ref, fetched *int64) (*store.Image, error) {
	cf, err := src.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("cannot read the image's config: %w", err)
	}
	d, err := descriptorOf(cf)
	if err != nil {
		return nil, err
	}
	if p, ok := s.Blob(d.KernelDigest); ok {
		return s.Add(p, manifestOf(cf, d), refs...)
	}
	tmp, err := os.CreateTemp("", "unigo-pull-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	inLayer, err := extract(ctx, src, cf, tmp, fetched)
	if err != nil {
		return nil, err
	}
	if inLayer.KernelDigest != d.KernelDigest || inLayer.KernelSize != d.KernelSize {
		return nil, fmt.Errorf("the image's descriptor file and its config label disagree on the kernel (%s, %s): the image is damaged", inLayer.KernelDigest, d.KernelDigest)
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	return s.Add(tmp.Name(), manifestOf(cf, d), refs...)
}

// descriptorOf reads the descriptor from the config's label, or says what
// kind of image this is when it has none.
func descriptorOf(cf *v1.ConfigFile) (Descriptor, error) {
	label, ok := cf.Config.Labels[LabelDescriptor]
	if !ok {
		what := "a container image"
		if cf.OS != "" {
			what = fmt.Sprintf("a %s/%s container image", cf.OS, cf.Architecture)
		}
		return Descriptor{}, fmt.Errorf("%w: it is %s without unigo's label %s; build a unigo image from a Go program with 'unigo build -t NAME ./app'", ErrNotUnigo, what, LabelDescriptor)
	}
	return decodeDescriptor([]byte(label))
}

// manifestOf is the store's manifest for the image: its defaults from the
// standard config (Cmd, Env, WorkingDir, ExposedPorts) and the descriptor.
func manifestOf(cf *v1.ConfigFile, d Descriptor) store.Manifest {
	m := store.Manifest{Created: d.Created, GoVersion: d.GoVersion, Kernel: d.KernelSource,
		Config: store.Config{Args: cf.Config.Cmd, Env: cf.Config.Env, Memory: d.Memory, Tmpfs: d.Tmpfs, Volumes: d.Volumes, ReadOnly: d.ReadOnly}}
	if wd := cf.Config.WorkingDir; wd != "" && wd != "/" {
		m.Config.WorkingDir = wd
	}
	for p := range cf.Config.ExposedPorts {
		m.Config.Ports = append(m.Config.Ports, p)
	}
	sort.Strings(m.Config.Ports)
	return m
}

// extract reads every layer through, checking its digests, and writes the
// last /.unigo/kernel to kernel; it returns the last descriptor file, with
// the kernel's digest and size as read.
func extract(ctx context.Context, src v1.Image, cf *v1.ConfigFile, kernel *os.File, fetched *int64) (Descriptor, error) {
	layers, err := src.Layers()
	if err != nil {
		return Descriptor{}, fmt.Errorf("cannot read the image's layers: %w", err)
	}
	if len(layers) != len(cf.RootFS.DiffIDs) {
		return Descriptor{}, fmt.Errorf("the image has %d layers and its config names %d: the image is damaged", len(layers), len(cf.RootFS.DiffIDs))
	}
	var desc []byte
	kernelDigest, kernelSize := "", int64(-1)
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return Descriptor{}, err
		}
		want, err := l.Digest()
		if err != nil {
			return Descriptor{}, err
		}
		rc, err := l.Compressed()
		if err != nil {
			return Descriptor{}, fmt.Errorf("cannot fetch layer %s: %w", short(want), err)
		}
		err = readLayer(rc, want, cf.RootFS.DiffIDs[i], fetched, func(name string, r io.Reader) error {
			switch name {
			case DescriptorPath:
				b, err := io.ReadAll(io.LimitReader(r, 1<<20))
				desc = b
				return err
			case KernelPath:
				if _, err := kernel.Seek(0, io.SeekStart); err != nil {
					return err
				}
				if err := kernel.Truncate(0); err != nil {
					return err
				}
				h := sha256.New()
				n, err := io.Copy(io.MultiWriter(kernel, h), r)
				kernelDigest, kernelSize = "sha256:"+hex.EncodeToString(h.Sum(nil)), n
				return err
			}
			return nil
		})
		rc.Close()
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Descriptor{}, fmt.Errorf("layer %s ends early: the archive or the download is incomplete; nothing was stored", short(want))
		}
		if err != nil {
			return Descriptor{}, fmt.Errorf("%w; nothing was stored", err)
		}
	}
	if desc == nil || kernelSize < 0 {
		return Descriptor{}, fmt.Errorf("%w: its layers have no %s and %s", ErrNotUnigo, KernelPath, DescriptorPath)
	}
	d, err := decodeDescriptor(desc)
	if err != nil {
		return d, err
	}
	if kernelDigest != d.KernelDigest || kernelSize != d.KernelSize {
		return d, fmt.Errorf("the kernel in the image (%s, %d bytes) is not the one its descriptor names (%s, %d bytes): the image is damaged", short2(kernelDigest), kernelSize, short2(d.KernelDigest), d.KernelSize)
	}
	return d, nil
}

// readLayer reads one compressed layer (gzip or plain tar) to its end,
// hands each regular file to file, and checks the compressed bytes against
// digest and the tar stream against diffID.
func readLayer(rc io.Reader, digest, diffID v1.Hash, fetched *int64, file func(name string, r io.Reader) error) error {
	compressed := sha256.New()
	counted := &countingReader{r: io.TeeReader(rc, compressed), n: fetched}
	br := bufio.NewReader(counted)
	var tarStream io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) { // gzip
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("layer %s: %w", short(digest), err)
		}
		defer zr.Close()
		tarStream = zr
	}
	uncompressed := sha256.New()
	tarStream = io.TeeReader(tarStream, uncompressed)
	tr := tar.NewReader(tarStream)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("layer %s is not a complete tar stream: %w", short(digest), err)
		}
		if h.Typeflag == tar.TypeReg {
			if err := file(path.Clean("/"+h.Name), tr); err != nil {
				return fmt.Errorf("layer %s: %w", short(digest), err)
			}
		}
	}
	// The rest: tar's end blocks and gzip's trailer, which carries its CRC.
	if _, err := io.Copy(io.Discard, tarStream); err != nil {
		return fmt.Errorf("layer %s: %w", short(digest), err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fmt.Errorf("layer %s: %w", short(digest), err)
	}
	if got := sum(compressed); got != digest.String() {
		return fmt.Errorf("layer %s arrived with digest %s: it was damaged on the way, or the registry lies", short(digest), short2(got))
	}
	if got := sum(uncompressed); got != diffID.String() {
		return fmt.Errorf("layer %s unpacks to %s, and the image's config says %s: the image is damaged", short(digest), short2(got), short(diffID))
	}
	return nil
}

func sum(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

func short(h v1.Hash) string { return short2(h.String()) }

func short2(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

// countingReader adds what it reads to *n.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	if c.n != nil {
		atomic.AddInt64(c.n, int64(k))
	}
	return k, err
}
