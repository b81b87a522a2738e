package image

import (
	"fmt"

	"unigo.dev/unigo/internal/atomicfile"
)

// WriteFile writes an image to path atomically: the bytes go to a temporary
// file in the same directory, which is renamed over path only once complete,
// so a failed or interrupted build never leaves a half-written image behind
// (nor destroys the previous one).
func WriteFile(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
