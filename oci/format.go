// Package oci carries unigo images in the container world's format: an OCI
// image (manifest, config, one tar layer, linux/amd64) that any registry,
// Docker and containerd take as they are. It converts between the local
// store and that form, pushes to and pulls from registries, and saves and
// loads `docker save` archives; the registry client, the archive format
// and the credentials (the Docker config and its helpers) are
// go-containerregistry's. The format is written down in docs/oci-image.md.
package oci

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Where the image's files are in its root file system (its one layer).
const (
	KernelPath     = "/.unigo/kernel"      // the unigo image: the PVH ELF, the app and its read-only root inside
	DescriptorPath = "/.unigo/config.json" // the Descriptor
)

// Labels of the image's config. Docker and containerd do not pass labels
// to a runtime, so the descriptor file in the root says the same;
// LabelDescriptor lets a pull that already has the kernel skip the layer.
const (
	LabelFormat     = "dev.unigo.image.format"     // the kernel file's format, e.g. unigo-image/1
	LabelKernel     = "dev.unigo.image.kernel"     // the kernel file's digest
	LabelMemory     = "dev.unigo.image.memory"     // the guest memory the image asks for, in bytes
	LabelGoVersion  = "dev.unigo.image.go-version" // the Go toolchain that built the app
	LabelDescriptor = "dev.unigo.image.descriptor" // the Descriptor, as JSON
)

// DescriptorVersion is the version of the Descriptor this unigo writes.
const DescriptorVersion = 1

// Descriptor is /.unigo/config.json: what unigo needs to boot the image
// beyond the standard config's Entrypoint, Cmd, Env and ExposedPorts.
type Descriptor struct {
	Version      int       `json:"version"`
	Format       string    `json:"format"`       // the kernel file's format (image.FormatVersion)
	Kernel       string    `json:"kernel"`       // KernelPath
	KernelDigest string    `json:"kernelDigest"` // sha256:HEX of the kernel file
	KernelSize   int64     `json:"kernelSize"`
	KernelSource string    `json:"kernelSource,omitempty"` // digest of the unigo kernel source linked in
	GoVersion    string    `json:"goVersion,omitempty"`
	Created      time.Time `json:"created"`
	Memory       int64     `json:"memory,omitempty"`   // bytes; 0: the VMM's default
	Tmpfs        []string  `json:"tmpfs,omitempty"`    // writable in-memory directories besides /tmp
	Volumes      []string  `json:"volumes,omitempty"`  // NAME:/path[:ro], attached by default
	ReadOnly     bool      `json:"readOnly,omitempty"` // the root read-only but for /tmp and Tmpfs
}

func (d Descriptor) encode() []byte {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err) // plain types only
	}
	return append(b, '\n')
}

// compact is the descriptor on one line, for a label.
func (d Descriptor) compact() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // plain types only
	}
	return string(b)
}

// ReadDescriptor reads a descriptor file (an unpacked image's
// DescriptorPath).
func ReadDescriptor(path string) (Descriptor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Descriptor{}, err
	}
	return decodeDescriptor(b)
}

func decodeDescriptor(b []byte) (Descriptor, error) {
	var d Descriptor
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("its unigo descriptor is not valid JSON: %v", err)
	}
	if d.Version < 1 || d.Version > DescriptorVersion {
		return d, fmt.Errorf("its unigo descriptor has version %d, this unigo reads up to %d: use a newer unigo", d.Version, DescriptorVersion)
	}
	if d.KernelDigest == "" || d.Kernel != KernelPath {
		return d, fmt.Errorf("its unigo descriptor names no kernel at %s", KernelPath)
	}
	return d, nil
}
