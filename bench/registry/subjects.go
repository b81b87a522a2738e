package registry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"unigo.dev/unigo/bench/harness"
)

// unigoSubject builds the app's unigo image into a store of its own, once;
// each run pushes it (unigo push) and pulls it into a fresh store (unigo
// pull).
func unigoSubject(ctx context.Context, cfg Config, bin string, app *harness.App, artifacts string, s *Subject) error {
	s.Label = "unigo"
	root := filepath.Join(artifacts, "unigo-root")
	const ref = "app:v1"
	s.How = "the app's unigo image (unigo build -t), pushed with unigo push (the image, and the kernel's DWARF apart as an artifact referring to it) and pulled with unigo pull (the image only) into an empty UNIGO_ROOT"
	s.Commands = []string{"unigo build -t " + ref + " " + cfg.App, "unigo push " + ref + " REGISTRY/app:v1", "UNIGO_ROOT=EMPTY unigo pull REGISTRY/app:v1"}
	if _, _, err := harness.Timed(ctx, cfg.Timeout, []string{"UNIGO_ROOT=" + root}, bin, "build", "-t", ref, cfg.App); err != nil {
		return err
	}
	s.ship = func(ctx context.Context, addr string, add func(string, float64), wire *wireCounter) error {
		dst := addr + "/app:v1"
		d, _, err := harness.Timed(ctx, cfg.Timeout, []string{"UNIGO_ROOT=" + root}, bin, "push", "-q", ref, dst)
		if err != nil {
			return err
		}
		add("push", d.Seconds())
		add("push_bytes", float64(wire.Take()))
		if err := addImageBytes(dst, add); err != nil {
			return err
		}
		if err := addDebugBytes(dst, add); err != nil {
			return err
		}
		wire.Take()
		fresh, err := os.MkdirTemp(artifacts, "unigo-pull-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(fresh)
		d, _, err = harness.Timed(ctx, cfg.Timeout, []string{"UNIGO_ROOT=" + fresh}, bin, "pull", "-q", dst)
		if err != nil {
			return err
		}
		add("pull", d.Seconds())
		add("pull_bytes", float64(wire.Take()))
		return nil
	}
	return nil
}

// dockerSubject builds the FROM scratch image and saves it, once; each run
// loads it (untimed), pushes it (docker push), removes every copy
// (untimed) and pulls it (docker pull).
func dockerSubject(ctx context.Context, cfg Config, app *harness.App, artifacts string, s *Subject) (func(), error) {
	version, err := harness.DockerVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("no Docker engine answers: %v", err)
	}
	s.Label = "Docker " + version
	s.How = fmt.Sprintf("Docker engine %s, an image built FROM scratch holding only the app's static binary as /app, pushed with docker push and pulled with docker pull after docker rmi (the engine has none of its layers when it pulls)", version)
	tag, remove, err := harness.DockerImage(ctx, app, artifacts)
	if err != nil {
		return nil, err
	}
	archive := filepath.Join(artifacts, "docker-image.tar")
	_, err = harness.Output(ctx, cfg.Timeout, "docker", "save", "-o", archive, tag)
	remove()
	if err != nil {
		return nil, err
	}
	s.Commands = []string{"docker push REGISTRY/app:v1", "docker pull REGISTRY/app:v1"}
	s.NA = map[string]string{"debug_bytes": "the binary's DWARF is inside the image"}
	s.ship = func(ctx context.Context, addr string, add func(string, float64), wire *wireCounter) error {
		dst := addr + "/app:v1"
		rmi := func() { harness.Output(context.Background(), time.Minute, "docker", "rmi", "-f", tag, dst) }
		defer rmi()
		if _, err := harness.Output(ctx, cfg.Timeout, "docker", "load", "-i", archive); err != nil {
			return err
		}
		if _, err := harness.Output(ctx, cfg.Timeout, "docker", "tag", tag, dst); err != nil {
			return err
		}
		wire.Take()
		d, _, err := harness.Timed(ctx, cfg.Timeout, nil, "docker", "push", dst)
		if err != nil {
			return err
		}
		add("push", d.Seconds())
		add("push_bytes", float64(wire.Take()))
		if err := addImageBytes(dst, add); err != nil {
			return err
		}
		rmi()
		wire.Take()
		d, _, err = harness.Timed(ctx, cfg.Timeout, nil, "docker", "pull", dst)
		if err != nil {
			return err
		}
		add("pull", d.Seconds())
		add("pull_bytes", float64(wire.Take()))
		return nil
	}
	return nil, nil
}

// addImageBytes adds the size of the image's blobs (config and layers) as
// the registry holds them, read from its manifest.
func addImageBytes(ref string, add func(string, float64)) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	img, err := remote.Image(r)
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	add("image_bytes", float64(n))
	return nil
}

// addDebugBytes adds the size of the blobs of the debug artifact that
// refers to the image (unigo push sends the kernel's DWARF apart).
func addDebugBytes(ref string, add func(string, float64)) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	d, err := remote.Head(r)
	if err != nil {
		return err
	}
	idx, err := remote.Referrers(r.Context().Digest(d.Digest.String()))
	if err != nil {
		return err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	var n int64
	for _, desc := range im.Manifests {
		art, err := remote.Image(r.Context().Digest(desc.Digest.String()))
		if err != nil {
			return err
		}
		m, err := art.Manifest()
		if err != nil {
			return err
		}
		n += m.Config.Size
		for _, l := range m.Layers {
			n += l.Size
		}
	}
	add("debug_bytes", float64(n))
	return nil
}
