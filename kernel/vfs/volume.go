package vfs

import (
	"unigo.dev/unigo/kernel/fs/ext2"
	"unigo.dev/unigo/kernel/fs/ninep"
)

// The mount table: volumes (the ext2 file system of a disk; one per VM,
// as package ext2 keeps one) and shares (directories of the host over 9P,
// up to ninep.MaxShares), each covering a memfs directory of the tree.
// A mount's file system is its inode numbers' tag (fs.go), so a mount is
// found from any of its files by the tag; Lookup finds it from the
// directory it covers.

const maxMounts = 1 + ninep.MaxShares

// mounts: in BSS (zero is "nothing mounted"); set at boot only.
var mounts struct {
	n        int
	at, root [maxMounts]Ino
	readOnly [16]bool // by tag
	ended    bool     // Unmount ran: the volume is clean
}

// mountedOn returns the root of the mount covering the memfs directory
// ino, or 0.
func mountedOn(ino Ino) Ino {
	for i := 0; i < mounts.n; i++ {
		if mounts.at[i] == ino {
			return mounts.root[i]
		}
	}
	return 0
}

// mountPoint returns the memfs directory that the mount root ino covers,
// or 0 when ino is no mount's root.
func mountPoint(ino Ino) Ino {
	for i := 0; i < mounts.n; i++ {
		if mounts.root[i] == ino {
			return mounts.at[i]
		}
	}
	return 0
}

// mountAt returns the memfs directory at path (absolute; made when
// missing) for a mount to cover.
func mountAt(path []byte) (Ino, int) {
	if mounts.n == maxMounts {
		return 0, EBUSY
	}
	at, ok := makeDirs(path)
	if !ok || at == state.root || at&fsMask != fsMem || mountedOn(at) != 0 {
		return 0, ENOTDIR
	}
	return at, 0
}

// addMount records the mount of root on at.
func addMount(at, root Ino, readOnly bool) {
	mounts.at[mounts.n], mounts.root[mounts.n] = at, root
	mounts.readOnly[root>>fsShift] = readOnly
	mounts.n++
}

// MountVolume mounts the ext2 file system on virtio disk `disk` at path
// (absolute; made when missing). It returns an errno: EBUSY when a volume
// is mounted already (one per VM), ENOTDIR when path cannot be a mount
// point (the root, a file, inside another mount), or the file system's
// refusal.
func MountVolume(disk int, path []byte, readOnly bool) int {
	if volumeMounted() {
		return EBUSY
	}
	at, e := mountAt(path)
	if e != 0 {
		return e
	}
	root, e := ext2.Mount(disk, readOnly, now())
	if e != 0 {
		return e
	}
	addMount(at, root|fsDisk, readOnly || ext2.ReadOnly())
	return 0
}

// MountShare mounts the host's directory shared under tag (a virtio-9p
// device's mount tag) at path. It returns an errno: ENOENT when no device
// has the tag, EBUSY past ninep.MaxShares, ENOTDIR as MountVolume.
func MountShare(tag, path []byte, readOnly bool) int {
	s := 0
	for s < ninep.MaxShares && shareMounted(s) {
		s++
	}
	if s == ninep.MaxShares {
		return EBUSY
	}
	at, e := mountAt(path)
	if e != 0 {
		return e
	}
	root, e := ninep.Mount(s, tag)
	if e != 0 {
		return e
	}
	addMount(at, root|fsShare0+Ino(s)<<fsShift, readOnly)
	return 0
}

func volumeMounted() bool { return tagMounted(fsDisk) }

func shareMounted(s int) bool { return tagMounted(fsShare0 + Ino(s)<<fsShift) }

func tagMounted(t Ino) bool {
	for i := 0; i < mounts.n; i++ {
		if mounts.root[i]&fsMask == t {
			return true
		}
	}
	return false
}

// mountWritable reports whether the mount holding ino (not memfs) may be
// written.
func mountWritable(ino Ino) bool { return !mounts.readOnly[ino>>fsShift] }

// Unmount writes everything back and marks the volume clean, for an
// orderly end (the app exited or died of a signal; not a kernel crash).
// Shares have only their mapped pages to write: every write went to the
// host.
func Unmount() {
	if mounts.ended {
		return
	}
	writeBackAll()
	if volumeMounted() {
		ext2.Unmount(now())
	}
	mounts.ended = true
}
