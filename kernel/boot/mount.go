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

// Share is a share=TAG:PATH[:ro] token: the host's directory shared
// under the virtio-9p mount tag TAG is mounted at PATH.
type Share struct {
	Tag, Path Span
	ReadOnly  bool
}

// shareToken records TAG:PATH[:ro]; a malformed token is ignored.
func shareToken(buf []byte, start, end int, o *Options) {
	colon := start
	for colon < end && buf[colon] != ':' {
		colon++
	}
	if colon == start || colon == end || o.NShares == MaxMounts {
		return
	}
	s := Share{Tag: Span{int32(start), int32(colon)}}
	if hasSuffix(buf[colon+1:end], ":ro") {
		s.ReadOnly = true
		end -= len(":ro")
	}
	s.Path = decode(buf, colon+1, end)
	o.Shares[o.NShares] = s
	o.NShares++
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

// VolumeError says why mounting a volume or a share failed with errno e
// (the file systems' and vfs.MountVolume's and MountShare's refusals), or
// "" for an errno without a known reason.
func VolumeError(e int) string {
	switch e {
	case 5: // EIO
		return "a disk I/O error"
	case 12: // ENOMEM
		return "too little memory for the volume: run with a larger --memory"
	case 16: // EBUSY
		return "a second volume (one ext2 volume per VM: share directories with -v ./dir:/path instead), or too many shares"
	case 2: // ENOENT
		return "no shared directory with that tag: the VM lacks its virtio-9p device"
	case 20: // ENOTDIR
		return "not a directory the mount can cover: the root, a file of the image's tree in the way, or a path inside another mount"
	case 22: // EINVAL
		return "not an ext2 file system unigo can write, e.g. ext3/ext4 features"
	}
	return ""
}
