package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"unigo.dev/unigo/store"
)

// Options are how to reach a registry.
type Options struct {
	// Insecure allows plain HTTP (and unverified TLS) to the registry the
	// reference names. Registries on localhost and loopback addresses may
	// use HTTP without it, as Docker allows.
	Insecure bool
	// Progress receives Docker-like lines: each layer pushed, fetched or
	// already there, and the digest at the end. nil: quiet.
	Progress io.Writer
	// Debug makes a pull fetch the image's debug information (the kernel's
	// DWARF, which push sends apart: pushDebug) too.
	Debug bool
	// NoDebug makes a push leave the debug information out.
	NoDebug bool
}

// Result says what a push or pull did.
type Result struct {
	Ref    string // the registry reference
	Digest string // the image manifest's digest in the registry
	Bytes  int64  // layer bytes sent or fetched: 0 when the other side had them
	// DebugBytes: the debug information's bytes sent or fetched.
	DebugBytes int64
	Image      *store.Image
}

// parse reads a Docker image reference (localhost:5000/web:v1,
// registry/repo@sha256:…).
func (o Options) parse(ref string) (name.Reference, error) {
	var opts []name.Option
	if o.Insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("%q is not an image reference: write REGISTRY/REPOSITORY[:TAG] or REGISTRY/REPOSITORY@sha256:DIGEST, e.g. localhost:5000/web:v1", ref)
	}
	return r, nil
}

// RemoteOptions are how unigo talks to any registry (push, pull, and
// unigo build --from's pulls): the Docker config's credentials, the
// context, linux/amd64, and a transport that gives up on an unreachable
// registry instead of hanging.
func RemoteOptions(ctx context.Context) []remote.Option {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		MaxIdleConnsPerHost:   4,
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithTransport(tr),
		remote.WithRetryBackoff(remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Steps: 2}),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}),
		remote.WithUserAgent("unigo"),
	}
}

// Push sends the stored image src to dst, a registry reference ("" means
// src itself, which then names a registry: localhost:5000/web:v1). Layers
// the registry has are not sent again.
func Push(ctx context.Context, s *store.Store, src, dst string, o Options) (*Result, error) {
	img, err := s.Get(src)
	if err != nil {
		return nil, err
	}
	if dst == "" {
		dst = src
	}
	ref, err := o.parse(dst)
	if err != nil {
		return nil, err
	}
	if _, isDigest := ref.(name.Digest); isDigest {
		return nil, fmt.Errorf("push %s: push to a tag (REPOSITORY:TAG), not to a digest", dst)
	}
	res := &Result{Ref: ref.Name(), Image: img}
	oi, err := image(s, img, &res.Bytes)
	if err != nil {
		return nil, err
	}
	say(o.Progress, "The push refers to repository [%s]\n", ref.Context().Name())
	layers, _ := oi.Layers()
	stop := startMeter(o.Progress, layerLabel(layers), "Pushing", layersSize(layers), &res.Bytes)
	err = remote.Write(ref, oi, RemoteOptions(ctx)...)
	stop()
	if err != nil {
		return nil, registryError("push", ref, err)
	}
	// The image has one layer: it was sent, or the registry had it.
	for _, l := range layers {
		if d, err := l.Digest(); err == nil && res.Bytes == 0 {
			say(o.Progress, "%s: Layer already exists\n", d.Hex[:12])
		} else if err == nil {
			say(o.Progress, "%s: Pushed (%s)\n", d.Hex[:12], sizeString(res.Bytes))
		}
	}
	d, err := oi.Digest()
	if err != nil {
		return nil, err
	}
	res.Digest = d.String()
	raw, _ := oi.RawManifest()
	tag := "latest"
	if t, ok := ref.(name.Tag); ok {
		tag = t.TagStr()
	}
	if !o.NoDebug {
		if err := pushDebug(ctx, s, img, oi, ref, res, o); err != nil {
			return nil, err
		}
	}
	say(o.Progress, "%s: digest: %s size: %d\n", tag, res.Digest, len(raw))
	return res, nil
}

// Pull fetches ref (for an index, its linux/amd64 image) into the store,
// tagged as ref names it; an image pulled by digest gets no tag.
func Pull(ctx context.Context, s *store.Store, refStr string, o Options) (*Result, error) {
	ref, err := o.parse(refStr)
	if err != nil {
		return nil, err
	}
	var refs []store.Ref
	if t, ok := ref.(name.Tag); ok {
		sr, err := store.ParseRef(strings.TrimPrefix(t.String(), "docker.io/"))
		if err != nil {
			return nil, err
		}
		refs = []store.Ref{sr}
	}
	desc, err := remote.Get(ref, RemoteOptions(ctx)...)
	if err != nil {
		return nil, registryError("pull", ref, err)
	}
	oi, err := desc.Image()
	if err != nil {
		return nil, registryError("pull", ref, err)
	}
	d, err := oi.Digest()
	if err != nil {
		return nil, registryError("pull", ref, err)
	}
	res := &Result{Ref: ref.Name(), Digest: d.String()}
	say(o.Progress, "%s: Pulling from %s\n", ref.Identifier(), ref.Context().RepositoryStr())
	layers, _ := oi.Layers()
	stop := startMeter(o.Progress, layerLabel(layers), "Downloading", layersSize(layers), &res.Bytes)
	res.Image, err = Import(ctx, s, oi, refs, &res.Bytes)
	stop()
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) {
			return nil, registryError("pull", ref, err)
		}
		return nil, fmt.Errorf("pull %s: %w", ref.Name(), err)
	}
	for _, l := range layers {
		ld, err := l.Digest()
		switch {
		case err != nil:
		case res.Bytes == 0:
			say(o.Progress, "%s: Already exists\n", ld.Hex[:12])
		default:
			say(o.Progress, "%s: Pull complete (%s)\n", ld.Hex[:12], sizeString(res.Bytes))
		}
	}
	if o.Debug {
		if err := pullDebug(ctx, s, ref, d, res, o); err != nil {
			return nil, err
		}
	}
	say(o.Progress, "Digest: %s\nStatus: Downloaded image for %s\n", res.Digest, ref.Name())
	return res, nil
}

// layerLabel names the layers as Docker's progress does: by the first 12
// hex digits of the (first) layer's digest.
func layerLabel(layers []v1.Layer) string {
	if len(layers) == 0 {
		return "layers"
	}
	d, err := layers[0].Digest()
	if err != nil {
		return "layer"
	}
	return d.Hex[:12]
}

// layersSize is the layers' compressed size, what moves.
func layersSize(layers []v1.Layer) int64 {
	var n int64
	for _, l := range layers {
		if s, err := l.Size(); err == nil {
			n += s
		}
	}
	return n
}

// registryError turns what the registry or the network said into one
// message that names the registry and says what to do.
func registryError(verb string, ref name.Reference, err error) error {
	reg := ref.Context().RegistryStr()
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%s %s: the registry %s refused the credentials (HTTP %d): log in with 'docker login %s' (unigo reads the Docker config, ~/.docker/config.json)", verb, ref.Name(), reg, te.StatusCode, reg)
		case http.StatusNotFound:
			return fmt.Errorf("%s %s: the registry %s has no such image (HTTP 404): check the repository and tag ('unigo images' lists what is here)", verb, ref.Name(), reg)
		}
		return fmt.Errorf("%s %s: the registry %s answered: %v", verb, ref.Name(), reg, te)
	}
	var ne net.Error
	if errors.As(err, &ne) || strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "no such host") {
		return fmt.Errorf("%s %s: cannot reach the registry %s: %v: check that it runs and its address (for plain HTTP to a registry not on localhost, add --insecure)", verb, ref.Name(), reg, err)
	}
	if strings.Contains(err.Error(), "does not match requested digest") {
		return fmt.Errorf("%s %s: the registry %s served another manifest than the digest asked for (%v): it was tampered with or lies; nothing was stored", verb, ref.Name(), reg, err)
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Errorf("%s %s: the registry %s speaks plain HTTP: add --insecure if you trust the network to it", verb, ref.Name(), reg)
	}
	return fmt.Errorf("%s %s: the registry %s: %w", verb, ref.Name(), reg, err)
}

func say(w io.Writer, format string, a ...any) {
	if w != nil {
		fmt.Fprintf(w, format, a...)
	}
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
