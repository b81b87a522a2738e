package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is the manifest format this unigo writes and reads.
const SchemaVersion = 1

// A Manifest describes one image. It is stored as JSON and named by its own
// digest, which is the image's ID; tags are kept apart, so that tagging
// never changes an image.
type Manifest struct {
	SchemaVersion int       `json:"schemaVersion"`
	Format        string    `json:"format"` // the image format (image.FormatVersion)
	Blob          Blob      `json:"blob"`   // the image file
	Created       time.Time `json:"created"`
	GoVersion     string    `json:"goVersion,omitempty"` // the toolchain that built the app
	Kernel        string    `json:"kernel,omitempty"`    // digest of the kernel source linked in
	Config        Config    `json:"config"`              // how the image runs by default
}

// Blob is an image file: its digest and size.
type Blob struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// Config is how an image runs unless `unigo run` says otherwise; it comes
// from the app's unigo.yaml, or from the container image it was made of.
type Config struct {
	Args    []string `json:"args,omitempty"`    // the app's arguments (os.Args[1:])
	Env     []string `json:"env,omitempty"`     // KEY=VALUE
	Memory  int64    `json:"memory,omitempty"`  // guest memory in bytes; 0: the VMM's default
	Ports   []string `json:"ports,omitempty"`   // ports the app listens on: "8080/tcp"
	Tmpfs   []string `json:"tmpfs,omitempty"`   // writable in-memory directories besides /tmp
	Volumes []string `json:"volumes,omitempty"` // volumes to attach: "NAME:/path[:ro]"
	// WorkingDir is the directory the app starts in (absolute); "": /.
	WorkingDir string `json:"workingDir,omitempty"`
	// ReadOnly keeps the image's root read-only but for /tmp and the tmpfs
	// directories; otherwise writes anywhere land in memory, as in a
	// container's layer.
	ReadOnly bool `json:"readOnly,omitempty"`
}

func (m Manifest) encode() []byte {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(err) // only plain types
	}
	return append(data, '\n')
}

// decodeManifest checks data against the ID it was stored under and decodes it.
func decodeManifest(id string, data []byte) (Manifest, error) {
	if got := digestOf(data); got != id {
		return Manifest{}, fmt.Errorf("its manifest does not match its digest (it is %s)", ShortID(got))
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("its manifest is not valid JSON: %v", err)
	}
	if m.SchemaVersion != SchemaVersion {
		return Manifest{}, fmt.Errorf("its manifest has schema version %d, this unigo reads %d", m.SchemaVersion, SchemaVersion)
	}
	if !isDigest(m.Blob.Digest) {
		return Manifest{}, fmt.Errorf("its manifest names no valid blob (%q)", m.Blob.Digest)
	}
	return m, nil
}

// sameImage tells whether two manifests describe the same image apart from
// when they were made.
func sameImage(a, b Manifest) bool {
	a.Created, b.Created = time.Time{}, time.Time{}
	return string(a.encode()) == string(b.encode())
}
