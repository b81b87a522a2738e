package oci

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"unigo.dev/unigo/store"
)

// The debug artifact: the kernel's DWARF (the store's debug file,
// image.SplitDebug) beside the image in its repository, as an OCI 1.1
// artifact whose subject is the image's manifest. Docker and containerd
// never fetch it; `unigo pull --debug` does.
const (
	DebugArtifactType = "application/vnd.dev.unigo.debug.v1+json"       // the artifact's config media type, its artifactType
	DebugLayerType    = "application/vnd.dev.unigo.debug.elf.v1"        // its one blob: the debug ELF file
	AnnotationKernel  = "dev.unigo.debug.kernel"                        // the digest of the kernel file it belongs to
	debugCreatedBy    = "unigo: the DWARF of " + KernelPath + ", apart" // for people reading the manifest
)

// debugArtifact is the artifact of the debug file at path for the kernel
// with digest kernel, referring to the image manifest subject.
func debugArtifact(path, kernel string, subject v1.Descriptor, sent *int64) (v1.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, DebugArtifactType)
	layer := countedLayer{static.NewLayer(data, DebugLayerType), sent}
	out, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: DebugLayerType,
		History: v1.History{CreatedBy: debugCreatedBy}})
	if err != nil {
		return nil, err
	}
	out = mutate.Annotations(out, map[string]string{AnnotationKernel: kernel}).(v1.Image)
	return mutate.Subject(out, subject).(v1.Image), nil
}

// pushDebug sends the stored image's debug file, if the store has one, as
// the artifact referring to the pushed image oi (a registry without the
// referrers API gets the referrers tag sha256-DIGEST, as OCI 1.1 says).
func pushDebug(ctx context.Context, s *store.Store, img *store.Image, oi v1.Image, ref name.Reference, res *Result, o Options) error {
	path, err := s.DebugPath(img)
	if err != nil || path == "" {
		return err
	}
	d, err := oi.Digest()
	if err != nil {
		return err
	}
	raw, err := oi.RawManifest()
	if err != nil {
		return err
	}
	mt, _ := oi.MediaType()
	art, err := debugArtifact(path, img.Manifest.Blob.Digest, v1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(raw))}, &res.DebugBytes)
	if err != nil {
		return err
	}
	ad, err := art.Digest()
	if err != nil {
		return err
	}
	if err := remote.Write(ref.Context().Digest(ad.String()), art, RemoteOptions(ctx)...); err != nil {
		return registryError("push the debug information of", ref, err)
	}
	if res.DebugBytes == 0 {
		say(o.Progress, "debug information: Already exists\n")
	} else {
		say(o.Progress, "debug information: Pushed (%s)\n", sizeString(res.DebugBytes))
	}
	return nil
}

// pullDebug fetches the debug artifact of the image with manifest digest d
// in ref's repository into the store, for the kernel res.Image boots.
func pullDebug(ctx context.Context, s *store.Store, ref name.Reference, d v1.Hash, res *Result, o Options) error {
	if p, err := s.DebugPath(res.Image); err == nil && p != "" {
		say(o.Progress, "debug information: Already exists\n")
		return nil
	}
	opts := append(RemoteOptions(ctx), remote.WithFilter("artifactType", DebugArtifactType))
	idx, err := remote.Referrers(ref.Context().Digest(d.String()), opts...)
	if err != nil {
		return registryError("pull the debug information of", ref, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return registryError("pull the debug information of", ref, err)
	}
	kernel := res.Image.Manifest.Blob.Digest
	for _, desc := range im.Manifests {
		if desc.ArtifactType != DebugArtifactType {
			continue
		}
		art, err := remote.Image(ref.Context().Digest(desc.Digest.String()), RemoteOptions(ctx)...)
		if err != nil {
			return registryError("pull the debug information of", ref, err)
		}
		m, err := art.Manifest()
		if err != nil {
			return registryError("pull the debug information of", ref, err)
		}
		if m.Annotations[AnnotationKernel] != kernel || len(m.Layers) != 1 || m.Layers[0].MediaType != DebugLayerType {
			continue
		}
		layer, err := art.LayerByDigest(m.Layers[0].Digest)
		if err != nil {
			return registryError("pull the debug information of", ref, err)
		}
		rc, err := layer.Compressed() // checked against its digest as it is read
		if err != nil {
			return registryError("pull the debug information of", ref, err)
		}
		data, err := io.ReadAll(&countingReader{r: rc, n: &res.DebugBytes})
		rc.Close()
		if err != nil {
			return fmt.Errorf("pull the debug information of %s: %w; nothing was stored", ref.Name(), err)
		}
		if err := s.AddDebug(kernel, data); err != nil {
			return fmt.Errorf("pull the debug information of %s: %w; nothing was stored", ref.Name(), err)
		}
		say(o.Progress, "debug information: Pull complete (%s)\n", sizeString(res.DebugBytes))
		return nil
	}
	return fmt.Errorf("pull %s: the registry %s has no debug information for this image: it was pushed without it (by another tool, or built before unigo kept the DWARF apart); the image itself was pulled", ref.Name(), ref.Context().RegistryStr())
}
