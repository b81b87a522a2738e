// Package vfs is the name space the app sees: path walking (the working
// directory, "..", symbolic links), where writes are allowed (tmpfs mounts;
// the rest of the tree is the read-only image root), and the device files.
// Files themselves live in memfs. System-call path: no allocation; paths
// are walked in fixed buffers.
package vfs

import (
	"unigo.dev/unigo/kernel/clock"
	"unigo.dev/unigo/kernel/fs/memfs"
	"unigo.dev/unigo/kernel/memory"
)

// Ino names a file.
type Ino = memfs.Ino

// Errors, as errno values.
const (
	EACCES       = 13
	EROFS        = 30
	ELOOP        = 40
	ENOENT       = memfs.ENOENT
	ENOTDIR      = memfs.ENOTDIR
	ENAMETOOLONG = memfs.ENAMETOOLONG
	EEXIST       = memfs.EEXIST
	EINVAL       = memfs.EINVAL
)

// PathMax is the longest path accepted, as Linux's PATH_MAX.
const PathMax = 4096

// Device numbers of the device files.
const (
	DevNull    = 1<<8 | 3
	DevZero    = 1<<8 | 5
	DevRandom  = 1<<8 | 8
	DevURandom = 1<<8 | 9
)

// state: the root, the working directory and what may be written: the
// whole tree but /proc, as a container's root (its writes stay in memory,
// gone when the VM ends: the tree is memfs), or, with a read-only root,
// only the tmpfs mounts.
// Non-zero initialiser: loaded data.
var state = struct {
	root, cwd Ino
	writable  [8]Ino // roots of tmpfs mounts
	nWritable int
	readOnly  bool // the root is read-only (--read-only): only the tmpfs mounts take writes
	proc      Ino  // /proc, never writable
	umask     uint32
	procMaps  Ino // /proc/self/maps, rewritten on open
	procExe   Ino // /proc/self/exe
	resolv    Ino // /etc/resolv.conf when the kernel wrote it (AddResolvConf), else 0
	rootDisk  int // the disk holding the image when its root stays there (rootdisk.go), else -1
}{umask: 0o022, rootDisk: -1}

func now() int64 { return clock.Realtime() }

// ImageRoot is the image's root file system, a newc cpio archive: loaded with
// the image (Archive), or left on disk Disk at DiskOff, DiskSize bytes
// (DiskSize > 0), or none.
type ImageRoot struct {
	Archive           []byte
	Disk              int
	DiskOff, DiskSize int64
}

// Init builds the tree: / with the image's root file system, /tmp (tmpfs),
// /dev with null, zero, random and urandom, /proc/self/exe pointing at the
// program, /proc/self/maps.
func Init(exe []byte, r ImageRoot) bool {
	setFileHooks() // here, not in an init function: the kernel of unmodified executables runs none
	root, e := memfs.NewRoot(0o755, now())
	if e != 0 {
		return false
	}
	state.root, state.cwd = root, root
	switch {
	case r.DiskSize > 0:
		if !UnpackDisk(r.Disk, r.DiskOff, r.DiskSize) {
			return false
		}
	case r.Archive != nil:
		if !Unpack(r.Archive, memory.ReleaseRootfsPrefix) {
			return false
		}
	}
	tmp := mkdir(root, "tmp", 0o1777)
	Mount(tmp)
	dev := mkdir(root, "dev", 0o755)
	for _, d := range [...]struct {
		name string
		rdev uint32
	}{{"null", DevNull}, {"zero", DevZero}, {"random", DevRandom}, {"urandom", DevURandom}} {
		ino, _ := memfs.Create(dev, []byte(d.name), memfs.TypeChar|0o666, now())
		memfs.SetRdev(ino, d.rdev)
	}
	// The few files of /etc that programs expect of any Linux system.
	etc := mkdir(root, "etc", 0o755)
	for _, f := range [...]struct{ name, data string }{
		{"passwd", "root:x:0:0:root:/root:/sbin/nologin\n"},
		{"group", "root:x:0:\n"},
		{"hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n"},
	} {
		if _, e := memfs.Lookup(etc, []byte(f.name)); e == 0 {
			continue // the image's root has its own
		}
		ino, e := memfs.Create(etc, []byte(f.name), memfs.TypeRegular|0o644, now())
		if e == 0 {
			memfs.WriteAt(ino, []byte(f.data), 0, now())
		}
	}
	proc := mkdir(root, "proc", 0o555)
	state.proc = proc
	// The listen backlog's ceiling, as Linux 5.4 and later have it: Go's
	// net reads it for every listen (without it, 128; passt or a burst of
	// clients then meets a full queue).
	core := mkdir(mkdir(mkdir(proc, "sys", 0o555), "net", 0o555), "core", 0o555)
	if ino, e := memfs.Create(core, []byte("somaxconn"), memfs.TypeRegular|0o444, now()); e == 0 {
		memfs.WriteAt(ino, []byte("4096\n"), 0, now())
	}
	self := mkdir(proc, "self", 0o555)
	state.procExe, _ = memfs.Create(self, []byte("exe"), memfs.TypeSymlink|0o777, now())
	var path [256]byte
	n := copy(path[:], "/")
	n += copy(path[n:], exe)
	memfs.WriteAt(state.procExe, path[:n], 0, now())
	state.procMaps, _ = memfs.Create(self, []byte("maps"), memfs.TypeRegular|0o444, now())
	return true
}

// Mount makes the tree under dir writable (a tmpfs mount point).
func Mount(dir Ino) {
	if state.nWritable < len(state.writable) {
		state.writable[state.nWritable] = dir
		state.nWritable++
	}
}

// SetRootReadOnly makes the image's root read-only but for the tmpfs
// mounts (the boot option root.ro, from --read-only).
func SetRootReadOnly(ro bool) { state.readOnly = ro }

// Writable reports whether files may be made and written in dir: on a
// volume mounted read-write, anywhere in the root but /proc, or, when the
// root is read-only, inside a tmpfs mount.
func Writable(dir Ino) bool {
	if dir&fsMask != fsMem {
		return mountWritable(dir)
	}
	if !state.readOnly {
		return !IsAncestor(state.proc, dir)
	}
	for i := 0; i < state.nWritable; i++ {
		if IsAncestor(state.writable[i], dir) {
			return true
		}
	}
	return false
}

// Root and Cwd return the root and the working directory.
func Root() Ino { return state.root }
func Cwd() Ino  { return state.cwd }

// Chdir sets the working directory.
func Chdir(dir Ino) int {
	a, e := Stat(dir)
	if e != 0 {
		return e
	}
	if a.Mode&memfs.TypeMask != memfs.TypeDir {
		return ENOTDIR
	}
	if onShare(dir) {
		Open(dir) // a share's node stays while it is the working directory
	}
	if onShare(state.cwd) {
		Close(state.cwd)
	}
	state.cwd = dir
	return 0
}

// Umask sets the file-creation mask and returns the old one.
func Umask(m uint32) uint32 {
	old := state.umask
	state.umask = m & 0o777
	return old
}

// CreateMode applies the umask to a requested permission.
func CreateMode(perm uint32) uint32 { return perm &^ state.umask }

// Now is the time stamp for file changes.
func Now() int64 { return now() }

// mkdir returns the directory name in dir, making it if needed.
func mkdir(dir Ino, name string, perm uint32) Ino {
	if ino, e := memfs.Lookup(dir, []byte(name)); e == 0 {
		return ino
	}
	ino, _ := memfs.Mkdir(dir, []byte(name), perm, now())
	return ino
}

// SetCwdPath makes path (absolute, existing) the working directory.
func SetCwdPath(path []byte) bool {
	var buf [PathMax]byte
	r, e := Walk(state.root, path, Follow, &buf)
	if e != 0 || r.Ino == 0 {
		return false
	}
	return Chdir(r.Ino) == 0
}

// SetExe points /proc/self/exe at path, the program an unmodified
// executable's kernel loaded.
func SetExe(path []byte) {
	Truncate(state.procExe, 0)
	WriteAt(state.procExe, path, 0)
}
