package compare

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/image"
	"unigo.dev/unigo/internal/cpio"
	"unigo.dev/unigo/kernel/syscalls"
)

// The attack surface of one subject: how many system calls
// it can reach in the kernel under it, how many programs its artifact holds
// that could be executed, and whether one of them is a shell.

// entry is one file inside an artifact (a container image, an
// initramfs).
type entry struct {
	Path    string
	Mode    fs.FileMode
	Program bool // a regular file with an execute bit that starts as an ELF file or a script (#!)
}

// isProgram reports whether a file of this mode, starting with head, is
// one the kernel would execute. (Docker adds empty placeholder files with
// mode 0755, /etc/hosts and the like: they are not programs.)
func isProgram(mode fs.FileMode, head []byte) bool {
	return mode.IsRegular() && mode.Perm()&0o111 != 0 &&
		(bytes.HasPrefix(head, []byte("\x7fELF")) || bytes.HasPrefix(head, []byte("#!")))
}

// shells are the base names of programs that are (or contain) a shell.
var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true,
	"ksh": true, "mksh": true, "busybox": true, "toybox": true}

// executables counts the programs, and names the shells among all entries.
func executables(files []entry) (n int, shellsFound []string) {
	for _, f := range files {
		if f.Program {
			n++
		}
		if (f.Mode.IsRegular() || f.Mode&fs.ModeSymlink != 0) && shells[path.Base(f.Path)] {
			shellsFound = append(shellsFound, f.Path)
		}
	}
	return n, shellsFound
}

// surfaceFromEntries fills the executables and shell metrics from an
// artifact's file list.
func surfaceFromEntries(r *Subject, files []entry, where string) {
	n, sh := executables(files)
	r.Executables = measure.Value("files", float64(n))
	r.Executables.Note = fmt.Sprintf("programs (files with an execute bit that are ELF files or #! scripts) in %s, of %d entries in all", where, len(files))
	if len(sh) > 0 {
		r.Shell = measure.Bool(true, "in "+where+": "+strings.Join(sh, ", "))
	} else {
		r.Shell = measure.Bool(false, "no sh, bash, dash, ash, busybox… in "+where)
	}
}

// entriesSurface returns the surface function of a subject whose
// artifact's files were listed when it was made (where says what was
// listed).
func entriesSurface(where string) func(*Subject) {
	return func(s *Subject) {
		if err := s.art.entriesErr; err != nil {
			s.Executables = measure.NA("files", "n/a: listing %s: %v", where, err)
			s.Shell = measure.NA("bool", "n/a: listing %s: %v", where, err)
			return
		}
		surfaceFromEntries(s, s.art.entries, where)
	}
}

// dirEntries lists the files under root (a container's root file system).
func dirEntries(root string) ([]entry, error) {
	var out []entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var head []byte
		if fi.Mode().IsRegular() {
			if f, err := os.Open(p); err == nil {
				head = make([]byte, 4)
				n, _ := io.ReadFull(f, head)
				head = head[:n]
				f.Close()
			}
		}
		out = append(out, entry{Path: "/" + filepath.ToSlash(rel), Mode: fi.Mode(), Program: isProgram(fi.Mode(), head)})
		return nil
	})
	return out, err
}

// tarEntries lists the files of a tar stream (`docker export`).
func tarEntries(r io.Reader) ([]entry, error) {
	var out []entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		head := make([]byte, 4)
		n, _ := io.ReadFull(tr, head)
		mode := h.FileInfo().Mode()
		out = append(out, entry{Path: "/" + strings.TrimPrefix(path.Clean(h.Name), "/"), Mode: mode, Program: isProgram(mode, head[:n])})
	}
}

// initramfsEntries lists the files of an uncompressed initramfs.
func initramfsEntries(p string) ([]entry, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := cpio.List(f)
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, e := range ents {
		mode := fs.FileMode(e.Mode & 0o777)
		switch e.Mode & 0o170000 {
		case 0o040000:
			mode |= fs.ModeDir
		case 0o120000:
			mode |= fs.ModeSymlink
		case 0o100000:
		default:
			mode |= fs.ModeIrregular
		}
		out = append(out, entry{Path: "/" + e.Name, Mode: mode, Program: isProgram(mode, e.Head)})
	}
	return out, nil
}

// unigoEntries lists the root file system a unigo image carries (a cpio
// archive: image.RootArchive), or returns nil when
// it carries none.
func unigoEntries(img string) ([]entry, error) {
	f, err := elf.Open(img)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	root := image.RootArchive(f)
	if root == nil {
		return nil, nil
	}
	tmp, err := os.CreateTemp("", "unigo-rootfs-*.cpio")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, root)
	tmp.Close()
	if err != nil {
		return nil, err
	}
	files, err := initramfsEntries(tmp.Name())
	if files == nil && err == nil {
		files = []entry{}
	}
	return files, err
}

// unigoSyscalls is the unigo kernel's own count: its system-call table,
// minus the calls it refuses by design (execve, fork, vfork, clone3).
func unigoSyscalls() measure.Metric {
	m := measure.Value("calls", float64(len(syscalls.Implemented())))
	m.Note = "kernel/syscalls.Implemented(): every call the unigo kernel implements (execve, fork, vfork and clone3 are refused by design and not counted); anything else returns ENOSYS"
	return m
}

// hostProcessSyscalls is the system-call count of an app running as a host
// process (natively or in a container): the host kernel's compiled-in
// calls, or, when the process runs under a seccomp filter, the x86-64
// numbers the filter lets through.
func hostProcessSyscalls(host int, hostErr error, pid int) measure.Metric {
	if hostErr != nil {
		return measure.NA("calls", "n/a: %v", hostErr)
	}
	mode, err := harness.SeccompMode(pid)
	if err != nil {
		return measure.NA("calls", "n/a: reading the app's seccomp mode: %v", err)
	}
	if mode == 0 {
		m := measure.Value("calls", float64(host))
		m.Note = fmt.Sprintf("no seccomp filter on the app's process: every system call the host kernel has compiled in (%d sys_enter tracepoints in tracefs)", host)
		return m
	}
	if mode == 1 {
		m := measure.Value("calls", 4)
		m.Note = "seccomp strict mode: read, write, exit, rt_sigreturn"
		return m
	}
	filters, allowed, err := harness.SeccompAllowed(pid)
	if err == nil {
		m := measure.Value("calls", float64(min(allowed, host)))
		m.Note = fmt.Sprintf("x86-64 system-call numbers the process's seccomp filter (%d filter(s), read with PTRACE_SECCOMP_GET_FILTER) lets through when called with zero arguments: %d, of the %d the host kernel has compiled in", filters, allowed, host)
		return m
	}
	return measure.NA("calls", "n/a: the app runs under a seccomp filter that could not be read: %v (the host kernel has %d)", err, host)
}
