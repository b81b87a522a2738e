package vfs

import (
	"unigo.dev/unigo/kernel/fs/ext2"
)

// volume is the mounted disk: the memfs directory it covers and its root.
// Non-zero initialiser: in data, like state.
var volume = struct {
	at, root Ino
	readOnly bool
	mounted  bool
}{readOnly: true}

// MountVolume mounts the ext2 file system on virtio disk `disk` at path
// (absolute; made when missing). It returns an errno: EBUSY when a volume
// is mounted already (one per VM for now), or the file system's refusal.
func MountVolume(disk int, path []byte, readOnly bool) int {
	if volume.mounted {
		return EBUSY
	}
	at, ok := makeDirs(path)
	if !ok || at == state.root {
		return ENOTDIR
	}
	root, e := ext2.Mount(disk, readOnly, now())
	if e != 0 {
		return e
	}
	volume.at, volume.root, volume.readOnly, volume.mounted = at, tagged(root), readOnly || ext2.ReadOnly(), true
	return 0
}

// volumeWritable reports whether the volume may be written.
func volumeWritable() bool { return volume.mounted && !volume.readOnly }

// Unmount writes everything back and marks the volume clean, for an
// orderly end (the app exited or died of a signal; not a kernel crash).
func Unmount() {
	if volume.mounted {
		writeBackAll()
		ext2.Unmount(now())
		volume.mounted = false
	}
}
