package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ImageConfig is what a container image says about how to run it, for
// the unigo image made from it, and which image it was.
type ImageConfig struct {
	Ref    string // the image as given to ImageRoot
	Source string // where it was found: "file", "docker" (the local engine) or "registry"
	// Digest is the image manifest's digest (sha256:…) when the source has
	// one of its own (a registry, an OCI layout); "" for docker save
	// archives, whose manifests are not the registry's.
	Digest string
	ID     string // the config's digest: Docker's image ID

	Entrypoint   []string
	Cmd          []string
	Env          []string // KEY=VALUE
	WorkingDir   string
	ExposedPorts []string // "8080/tcp", sorted
	User         string

	// Notes say what of the image was left out (device nodes, FIFOs);
	// they were written to ImageRoot's progress too.
	Notes []string
}

// ImageRoot unpacks the file system of the container image ref into dir,
// which must exist and be empty, and returns the image's configuration.
// ref is, in the order tried: the path of a docker save archive (gzipped
// too), of an OCI image layout directory or of its tar archive; an image
// of the local Docker engine (through docker save); a registry reference
// (the Docker config's credentials; plain HTTP to loopback registries).
// From a multi-platform image it takes linux/amd64, and refuses an image
// for another platform. Layers are applied in order with their whiteouts;
// regular files, directories and links keep their modes (not their owners),
// device nodes and FIFOs are left out. progress (nil: quiet) gets a line
// per step. After an error dir may hold part of the image: remove it.
//
// The entrypoint is not checked here: ImagePath finds its file in dir for
// CheckStaticExecutable.
func ImageRoot(ctx context.Context, ref, dir string, progress io.Writer) (*ImageConfig, error) {
	if progress == nil {
		progress = io.Discard
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("unpacking %s: %w", ref, err)
	}
	if len(entries) > 0 {
		return nil, fmt.Errorf("unpacking %s: %s is not empty: the image's root goes into an empty directory", ref, dir)
	}
	tmp, err := os.MkdirTemp("", "unigo-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	img, conf, err := findImage(ctx, ref, tmp, progress)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the image's configuration: %v", ref, err)
	}
	if err := checkPlatform(ref, cf); err != nil {
		return nil, err
	}
	if id, err := img.ConfigName(); err == nil {
		conf.ID = id.String()
	}
	c := cf.Config
	conf.Entrypoint, conf.Cmd, conf.Env = c.Entrypoint, c.Cmd, c.Env
	conf.WorkingDir, conf.User = c.WorkingDir, c.User
	for p := range c.ExposedPorts {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		conf.ExposedPorts = append(conf.ExposedPorts, p)
	}
	sort.Strings(conf.ExposedPorts)

	if conf.Notes, err = unpackLayers(ctx, img, dir, progress); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	for _, n := range conf.Notes {
		fmt.Fprintf(progress, "note: %s\n", n)
	}
	return conf, nil
}

// unpackLayers applies img's layers in order to dir.
func unpackLayers(ctx context.Context, img v1.Image, dir string, progress io.Writer) ([]string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the image's layers: %v", err)
	}
	u := newUnpacker(root)
	for i, l := range layers {
		id := "?"
		if d, err := l.DiffID(); err == nil {
			id = d.String()
			id = id[:min(len(id), 19)]
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return nil, fmt.Errorf("layer %d: %v", i+1, err)
		}
		n, err := u.apply(ctx, rc, i+1)
		if err == nil {
			// Read to the end, so that a layer from a registry is checked
			// against its digest.
			_, err = io.Copy(io.Discard, rc)
		}
		rc.Close()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "layer %d/%d %s: %s\n", i+1, len(layers), id, byteSize(n))
	}
	return u.finish()
}

// pickAMD64 takes the linux/amd64 image of an index (nested indexes
// too), skipping attestations; the error names the platforms it has.
func pickAMD64(idx v1.ImageIndex, label string) (v1.Image, string, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", label, err)
	}
	var others []string
	for _, d := range im.Manifests {
		if p := d.Platform; p != nil && p.OS == "unknown" {
			continue // an attestation, e.g. buildx's provenance
		}
		if p := d.Platform; p != nil && p.OS != "" && (p.OS != "linux" || p.Architecture != "amd64") {
			others = append(others, platformName(p.OS, p.Architecture, p.Variant))
			continue
		}
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %v", label, err)
			}
			img, digest, err := pickAMD64(child, label)
			if err == nil {
				return img, digest, nil
			}
			others = append(others, "(a nested index without linux/amd64)")
		case d.MediaType.IsImage():
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %v", label, err)
			}
			cf, err := img.ConfigFile()
			if err != nil {
				return nil, "", fmt.Errorf("%s: reading the image's configuration: %v", label, err)
			}
			if checkPlatform(label, cf) == nil {
				return img, d.Digest.String(), nil
			}
			others = append(others, platformName(cf.OS, cf.Architecture, cf.Variant))
		}
	}
	if len(others) == 0 {
		return nil, "", fmt.Errorf("%s holds no image", label)
	}
	return nil, "", fmt.Errorf("%s is built for %s; unigo runs linux/amd64 programs: use its linux/amd64 variant (docker build --platform linux/amd64)", label, strings.Join(others, ", "))
}

// checkPlatform refuses an image for another OS or architecture than
// linux/amd64 (an image that does not say is taken as one).
func checkPlatform(label string, cf *v1.ConfigFile) error {
	if (cf.OS == "" || cf.OS == "linux") && (cf.Architecture == "" || cf.Architecture == "amd64") {
		return nil
	}
	return fmt.Errorf("%s is built for %s; unigo runs linux/amd64 programs: use its linux/amd64 variant (docker build --platform linux/amd64)", label, platformName(cf.OS, cf.Architecture, cf.Variant))
}

func platformName(os, arch, variant string) string {
	s := os + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}

// findImage finds ref as a file, in the local Docker engine or in a
// registry; tmp holds what it has to write.
func findImage(ctx context.Context, ref, tmp string, progress io.Writer) (v1.Image, *ImageConfig, error) {
	conf := &ImageConfig{Ref: ref}
	if st, err := os.Stat(ref); err == nil {
		conf.Source = "file"
		img, digest, err := imageFromPath(ref, st, tmp)
		conf.Digest = digest
		return img, conf, err
	} else if looksLikePath(ref) {
		return nil, nil, fmt.Errorf("%s: no such file: give a docker save archive, an OCI image layout, an image of the local Docker engine or a registry reference", ref)
	}
	id, engine := dockerImageID(ctx, ref)
	if id != "" {
		conf.Source = "docker"
		fmt.Fprintf(progress, "saving %s from the local Docker engine\n", ref)
		archive := filepath.Join(tmp, "docker-save.tar")
		out, err := exec.CommandContext(ctx, "docker", "save", "-o", archive, id).CombinedOutput()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: docker save: %v: %s", ref, err, bytes.TrimSpace(out))
		}
		img, err := tarball.ImageFromPath(archive, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: reading docker save's archive: %v", ref, err)
		}
		return img, conf, nil
	}
	conf.Source = "registry"
	img, digest, err := imageFromRegistry(ctx, ref, progress)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a file, not in the local Docker engine%s, and %v", ref, engine, err)
	}
	conf.Digest = digest
	return img, conf, nil
}

// looksLikePath says whether ref can only be meant as a file's path.
func looksLikePath(ref string) bool {
	for _, p := range []string{"/", "./", "../", "~"} {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	for _, s := range []string{".tar", ".tar.gz", ".tgz"} {
		if strings.HasSuffix(ref, s) {
			return true
		}
	}
	return false
}

// dockerImageID asks the local Docker engine for ref's image ID; "" when it
// does not have it, with why in words for the final error when that is not
// simply that the engine lacks it.
func dockerImageID(ctx context.Context, ref string) (id, why string) {
	if _, err := exec.LookPath("docker"); err != nil {
		return "", " (docker is not installed)"
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Id}}", ref)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil {
		return strings.TrimSpace(string(out)), ""
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Contains(strings.ToLower(msg), "no such image") {
		return "", ""
	}
	line, _, _ := strings.Cut(msg, "\n")
	return "", fmt.Sprintf(" (docker image inspect: %s)", line)
}

// byteSize says n bytes for people.
func byteSize(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
