package e2e

import (
	"path/filepath"
	"testing"
)

// File mappings on tmpfs and on a volume behave as on Linux (the checks
// are the app's: e2e/testdata/mapfiles), and what a program wrote through
// a shared mapping of a file on a volume, without msync, is on the disk
// after `unigo stop` and read back by the next boot; the disk checks clean.
func TestFileMappings(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	in(t, root, "run", "mapfiles", "suite", "/tmp").expect(t, 0, "suite passed")
	in(t, root, "volume", "create", "maps", "--size", "32M").expect(t, 0)
	in(t, root, "run", "-v", "maps:/data", "mapfiles", "suite", "/data").expect(t, 0, "ok shrink\n", "ok unlinked\n", "suite passed")
	in(t, root, "run", "-d", "--name", "writer", "-v", "maps:/data", "mapfiles", "persist", "/data").expect(t, 0)
	logsHave(t, root, "writer", "ready")
	in(t, root, "stop", "writer").expect(t, 0)
	logsHave(t, root, "writer", "terminated")
	in(t, root, "rm", "writer").expect(t, 0)
	in(t, root, "run", "-v", "maps:/data", "mapfiles", "verify", "/data").expect(t, 0, "verified")
	fsckClean(t, filepath.Join(root, "volumes", "maps", "disk.img"))
}
