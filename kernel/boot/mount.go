package boot

// MaxMounts bounds the volumes a guest mounts.
const MaxMounts = 8

// Mount is a mount=DISK:PATH[:ro] token: the DISK-th virtio block device
// (from 0, in the order the host attached them) holds the file system to
// mount at PATH.
type Mount struct {
	Disk     int
	Path     Span
	ReadOnly bool
}

// mountToken records DISK:PATH[:ro]; a malformed token is ignored (the
// host builds them).
func mountToken(buf []byte, start, end int, o *Options) {
	colon := start
	for colon < end && buf[colon] != ':' {
		colon++
	}
	if colon == start || colon == end || o.NMounts == MaxMounts {
		return
	}
	disk := parseUint(buf[start:colon])
	if disk >= MaxMounts || disk == 0 && !equal(buf[start:colon], "0") {
		return
	}
	m := Mount{Disk: int(disk)}
	if hasSuffix(buf[colon+1:end], ":ro") {
		m.ReadOnly = true
		end -= len(":ro")
	}
	m.Path = decode(buf, colon+1, end)
	o.Mounts[o.NMounts] = m
	o.NMounts++
}

// VolumeError says why mounting a volume failed with errno e (the volume
// file system's and vfs.MountVolume's refusals), or "" for an errno without
// a known reason.
func VolumeError(e int) string {
	switch e {
	case 5: // EIO
		return "a disk I/O error"
	case 12: // ENOMEM
		return "too little memory for the volume: run with a larger --memory"
	case 16: // EBUSY
		return "a second volume: one per VM for now"
	case 20: // ENOTDIR
		return "not a directory the volume can cover: the root, or a file of the image's tree in the way"
	case 22: // EINVAL
		return "not an ext2 file system unigo can write, e.g. ext3/ext4 features"
	}
	return ""
}
