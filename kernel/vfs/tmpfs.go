package vfs

import "unigo.dev/unigo/kernel/fs/memfs"

// MountTmpfs makes the directory at path (absolute; made, with its
// parents, when missing) writable: a tmpfs mount besides /tmp (`unigo run
// --tmpfs PATH`). It reports false when path cannot be made a directory.
func MountTmpfs(path []byte) bool {
	dir, ok := makeDirs(path)
	if ok {
		Mount(dir)
	}
	return ok
}

// makeDirs returns the directory at the absolute path, making it and its
// missing parents in the image's tree (the kernel may write where the app
// may not).
func makeDirs(path []byte) (Ino, bool) {
	dir := state.root
	for len(path) > 0 {
		for len(path) > 0 && path[0] == '/' {
			path = path[1:]
		}
		i := 0
		for i < len(path) && path[i] != '/' {
			i++
		}
		if i == 0 {
			break
		}
		name := path[:i]
		path = path[i:]
		if string(name) == "." || string(name) == ".." {
			return 0, false
		}
		ino, e := Lookup(dir, name)
		if e == ENOENT {
			ino, e = Mkdir(dir, name, 0o755)
		}
		if e != 0 {
			return 0, false
		}
		if a, _ := Stat(ino); a.Mode&memfs.TypeMask != memfs.TypeDir {
			return 0, false
		}
		dir = ino
	}
	return dir, true
}
