package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"unigo.dev/unigo/oci"
)

// imageFromRegistry fetches ref's manifest (its linux/amd64 one from an
// index) from its registry; the layers come as they are unpacked. The
// error is worded to end "not a file, not in the local Docker engine, and".
func imageFromRegistry(ctx context.Context, ref string, progress io.Writer) (v1.Image, string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, "", errors.New("not an image reference either (REGISTRY/REPOSITORY[:TAG] or …@sha256:DIGEST)")
	}
	if isLoopbackRegistry(r.Context().RegistryStr()) {
		// Plain HTTP, as Docker allows for registries on this host.
		if r, err = name.ParseReference(ref, name.Insecure); err != nil {
			return nil, "", err
		}
	}
	fmt.Fprintf(progress, "pulling %s from %s\n", ref, r.Context().RegistryStr())
	desc, err := remote.Get(r, oci.RemoteOptions(ctx)...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
			return nil, "", fmt.Errorf("the registry says: %v (a private image needs docker login %s first)", err, r.Context().RegistryStr())
		}
		return nil, "", fmt.Errorf("the registry says: %v", err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, "", fmt.Errorf("the registry says: %v", err)
		}
		img, digest, err := pickAMD64(idx, ref)
		if err != nil {
			return nil, "", fmt.Errorf("the registry has it, but: %v", err)
		}
		return img, digest, nil
	}
	img, err := desc.Image()
	if err != nil {
		return nil, "", fmt.Errorf("the registry says: %v", err)
	}
	return img, desc.Digest.String(), nil
}

// isLoopbackRegistry says whether host[:port] is this machine.
func isLoopbackRegistry(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
