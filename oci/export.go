package oci

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"unigo.dev/unigo/store"
)

// Image is the stored image img in OCI form. It is a function of the
// stored image alone (times, order and compression are fixed), so the same
// image has the same digest wherever it is made: a push of an image that a
// registry has sends nothing again, and `images --digests` can tell the
// registry digest without asking one.
func Image(s *store.Store, img *store.Image) (v1.Image, error) { return image(s, img, nil) }

// image is Image, counting in *sent the layer bytes read for an upload.
func image(s *store.Store, img *store.Image, sent *int64) (v1.Image, error) {
	path, err := s.BlobPath(img)
	if err != nil {
		return nil, err
	}
	m := img.Manifest
	d := Descriptor{
		Version: DescriptorVersion, Format: m.Format, Kernel: KernelPath,
		KernelDigest: m.Blob.Digest, KernelSize: m.Blob.Size, KernelSource: m.Kernel, GoVersion: m.GoVersion,
		Created: m.Created.UTC(), Memory: m.Config.Memory, Tmpfs: m.Config.Tmpfs, Volumes: m.Config.Volumes, ReadOnly: m.Config.ReadOnly,
	}
	// Compressed once: for the digest, then the upload reads the same bytes.
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return layerTar(path, d) },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	out, err := mutate.Append(base, mutate.Addendum{Layer: countedLayer{layer, sent}, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: d.Created}, CreatedBy: "unigo build", Comment: "the unikernel " + KernelPath + " and " + DescriptorPath}})
	if err != nil {
		return nil, err
	}
	cf, err := out.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Created = v1.Time{Time: d.Created}
	cf.Config = containerConfig(m, d)
	return mutate.ConfigFile(out, cf)
}

// containerConfig is the standard config: what `docker run IMG ARG...` and
// Kubernetes' command, args and env act on, the app's defaults in it.
func containerConfig(m store.Manifest, d Descriptor) v1.Config {
	c := v1.Config{
		Entrypoint: []string{KernelPath},
		Cmd:        m.Config.Args,
		Env:        m.Config.Env,
		WorkingDir: "/",
		Labels: map[string]string{
			LabelFormat:     d.Format,
			LabelKernel:     d.KernelDigest,
			LabelDescriptor: d.compact(),
		},
	}
	if m.Config.WorkingDir != "" {
		c.WorkingDir = m.Config.WorkingDir
	}
	if d.Memory > 0 {
		c.Labels[LabelMemory] = strconv.FormatInt(d.Memory, 10)
	}
	if d.GoVersion != "" {
		c.Labels[LabelGoVersion] = d.GoVersion
	}
	if len(m.Config.Ports) > 0 {
		c.ExposedPorts = map[string]struct{}{}
		for _, p := range m.Config.Ports {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			c.ExposedPorts[p] = struct{}{}
		}
	}
	if len(m.Config.Volumes) > 0 {
		c.Volumes = map[string]struct{}{}
		for _, v := range m.Config.Volumes {
			if _, target, ok := strings.Cut(v, ":"); ok {
				target, _, _ = strings.Cut(target, ":")
				c.Volumes[target] = struct{}{}
			}
		}
	}
	return c
}

// layerTar is the layer: the directory /.unigo, the kernel and the
// descriptor, with the image's creation time, owned by root.
func layerTar(kernel string, d Descriptor) (io.ReadCloser, error) {
	f, err := os.Open(kernel)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		defer f.Close()
		pw.CloseWithError(writeLayer(pw, f, d))
	}()
	return pr, nil
}

func writeLayer(w io.Writer, kernel io.Reader, d Descriptor) error {
	tw := tar.NewWriter(w)
	desc := d.encode()
	entries := []struct {
		name string
		mode int64
		size int64
		body io.Reader
	}{
		{".unigo/", 0o755, 0, nil},
		{".unigo/config.json", 0o444, int64(len(desc)), bytes.NewReader(desc)},
		{".unigo/kernel", 0o555, d.KernelSize, kernel},
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Size: e.size, ModTime: d.Created.Truncate(time.Second), Format: tar.FormatUSTAR, Typeflag: tar.TypeReg}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if e.body != nil {
			if _, err := io.CopyN(tw, e.body, e.size); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// countedLayer counts the compressed bytes read from it (an upload's).
type countedLayer struct {
	v1.Layer
	n *int64
}

func (l countedLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil || l.n == nil {
		return rc, err
	}
	return struct {
		io.Reader
		io.Closer
	}{&countingReader{r: rc, n: l.n}, rc}, nil
}
