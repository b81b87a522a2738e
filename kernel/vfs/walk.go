package vfs

import "unigo.dev/unigo/kernel/fs/memfs"

const maxSymlinks = 40

// dotName is the name of a path that ends in its directory ("/", "a/").
var dotName = [1]byte{'.'}

// Result is where a path led: the directory holding its last component,
// that component's name (in the caller's buffer), and the file (0 when the
// last component does not exist; its directory does).
type Result struct {
	Dir   Ino
	Name  []byte
	Ino   Ino
	Slash bool // the path (or a link it went through) ended with "/"
}

// How Walk treats a symbolic link as the last component.
const (
	NoFollow = 0 // not followed, unless the path ends with "/" (stat, open O_NOFOLLOW)
	Follow   = 1 // followed (open, stat)
	Never    = 2 // never followed, "/" or not: the name itself is meant (mkdir)
)

// Walk resolves path from start (the directory of a dirfd, or the working
// directory). followLast says whether a symbolic link as the last component
// is followed. buf holds the path and is rewritten when symlinks expand.
func Walk(start Ino, path []byte, follow int, buf *[PathMax]byte) (Result, int) {
	if len(path) == 0 {
		return Result{}, ENOENT
	}
	if len(path) >= PathMax {
		return Result{}, ENAMETOOLONG
	}
	n := copy(buf[:], path)
	p := buf[:n]
	dir := start
	links := 0
	for {
		if len(p) > 0 && p[0] == '/' {
			dir = state.root
			for len(p) > 0 && p[0] == '/' {
				p = p[1:]
			}
		}
		if len(p) == 0 { // "/" or "dir/"
			return Result{Dir: Parent(dir), Name: dotName[:], Ino: dir, Slash: true}, 0
		}
		i := 0
		for i < len(p) && p[i] != '/' {
			i++
		}
		name, rest := p[:i], p[i:]
		trailingSlash := false
		for len(rest) > 0 && rest[0] == '/' {
			rest = rest[1:]
			trailingSlash = true
		}
		last := len(rest) == 0
		if len(name) > memfs.MaxName {
			return Result{}, ENAMETOOLONG
		}
		var ino Ino
		var e int
		switch string(name) {
		case ".":
			ino = dir
		case "..":
			ino = Parent(dir)
		default:
			ino, e = Lookup(dir, name)
		}
		if e == ENOENT && last {
			// A missing last component: the caller may create it ("new/"
			// names a directory to be, which only mkdir accepts).
			return Result{Dir: dir, Name: name, Slash: trailingSlash}, 0
		}
		if e != 0 {
			return Result{}, e
		}
		a, _ := Stat(ino)
		if a.Mode&memfs.TypeMask == memfs.TypeSymlink && (!last || follow == Follow || follow == NoFollow && trailingSlash) {
			links++
			if links > maxSymlinks {
				return Result{}, ELOOP
			}
			// New path: the link's target, then the rest.
			var target [PathMax]byte
			tn, _ := ReadAt(ino, target[:], 0)
			if tn+1+len(rest) >= PathMax {
				return Result{}, ENAMETOOLONG
			}
			copy(buf[tn+1:], rest) // rest lies after tn+1 in buf or not: copy handles overlap
			copy(buf[:tn], target[:tn])
			buf[tn] = '/'
			p = buf[:tn+1+len(rest)]
			if len(rest) == 0 && !trailingSlash {
				p = buf[:tn] // "link/" keeps its slash: the target must be a directory
			}
			continue
		}
		if last {
			if trailingSlash && follow != Never && a.Mode&memfs.TypeMask != memfs.TypeDir {
				return Result{}, ENOTDIR
			}
			return Result{Dir: dir, Name: name, Ino: ino, Slash: trailingSlash}, 0
		}
		if a.Mode&memfs.TypeMask != memfs.TypeDir {
			return Result{}, ENOTDIR
		}
		dir, p = ino, rest
	}
}

// Getcwd writes the working directory's absolute path into buf.
func Getcwd(buf []byte) (int, int) {
	var parts [PathMax]byte
	pos := len(parts)
	dir := state.cwd
	for dir != state.root {
		parent := Parent(dir)
		var name [memfs.MaxName]byte
		n, ok := NameOf(parent, dir, name[:])
		if !ok {
			return 0, ENOENT // the working directory was removed
		}
		if pos-n-1 < 0 {
			return 0, ENAMETOOLONG // callers (Go's os.Getwd) then walk ".." themselves
		}
		pos -= n
		copy(parts[pos:], name[:n])
		pos--
		parts[pos] = '/'
		dir = parent
	}
	if pos == len(parts) {
		pos--
		parts[pos] = '/'
	}
	n := len(parts) - pos
	if n+1 > len(buf) {
		return 0, 34 // ERANGE
	}
	copy(buf, parts[pos:])
	buf[n] = 0
	return n + 1, 0
}
