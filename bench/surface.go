package bench

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/image"
	"unigo.dev/unigo/internal/cpio"
	"unigo.dev/unigo/kernel/syscalls"
)

// The attack surface of one way of running the app: how many system calls
// it can reach in the kernel under it, how many programs its artifact holds
// that could be executed, and whether one of them is a shell.

// artifactFile is one file inside an artifact (a container image, an
// initramfs).
type artifactFile struct {
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

// executables counts the programs, and names the shells among all files.
func executables(files []artifactFile) (n int, shellsFound []string) {
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

// surfaceFromFiles fills the executables and shell metrics from an
// artifact's file list.
func surfaceFromFiles(r *ContenderResult, files []artifactFile, where string) {
	n, sh := executables(files)
	r.Executables = valueMetric("files", float64(n))
	r.Executables.Note = fmt.Sprintf("programs (files with an execute bit that are ELF files or #! scripts) in %s, of %d entries in all", where, len(files))
	if len(sh) > 0 {
		r.Shell = boolMetric(true, "in "+where+": "+strings.Join(sh, ", "))
	} else {
		r.Shell = boolMetric(false, "no sh, bash, dash, ash, busybox… in "+where)
	}
}

// filesSurface returns the surface function of a way whose artifact's
// files were listed at preparation (where says what was listed).
func filesSurface(where string) func(*ContenderResult, *runnable) {
	return func(r *ContenderResult, a *runnable) {
		if a.filesErr != nil {
			r.Executables = naMetric("files", "n/a: listing %s: %v", where, a.filesErr)
			r.Shell = naMetric("bool", "n/a: listing %s: %v", where, a.filesErr)
			return
		}
		surfaceFromFiles(r, a.files, where)
	}
}

func boolMetric(v bool, note string) Metric {
	f := 0.0
	if v {
		f = 1
	}
	m := valueMetric("bool", f)
	m.Note = note
	return m
}

// dirFiles lists the files under root (a container's root file system).
func dirFiles(root string) ([]artifactFile, error) {
	var out []artifactFile
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
		out = append(out, artifactFile{Path: "/" + filepath.ToSlash(rel), Mode: fi.Mode(), Program: isProgram(fi.Mode(), head)})
		return nil
	})
	return out, err
}

// tarFiles lists the files of a tar stream (`docker export`).
func tarFiles(r io.Reader) ([]artifactFile, error) {
	var out []artifactFile
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
		out = append(out, artifactFile{Path: "/" + strings.TrimPrefix(path.Clean(h.Name), "/"), Mode: mode, Program: isProgram(mode, head[:n])})
	}
}

// initramfsFiles lists the files of an uncompressed initramfs.
func initramfsFiles(p string) ([]artifactFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := cpio.List(f)
	if err != nil {
		return nil, err
	}
	var out []artifactFile
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
		out = append(out, artifactFile{Path: "/" + e.Name, Mode: mode, Program: isProgram(mode, e.Head)})
	}
	return out, nil
}

// unigoFiles lists the root file system a unigo image carries (a cpio
// archive in a PT_LOAD segment marked image.PFRootfs), or returns nil when
// it carries none.
func unigoFiles(img string) ([]artifactFile, error) {
	f, err := elf.Open(img)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Flags&image.PFRootfs == 0 {
			continue
		}
		tmp, err := os.CreateTemp("", "unigo-rootfs-*.cpio")
		if err != nil {
			return nil, err
		}
		defer os.Remove(tmp.Name())
		_, err = io.Copy(tmp, p.Open())
		tmp.Close()
		if err != nil {
			return nil, err
		}
		files, err := initramfsFiles(tmp.Name())
		if files == nil && err == nil {
			files = []artifactFile{}
		}
		return files, err
	}
	return nil, nil
}

// unigoSyscalls is the unigo kernel's own count: its system-call table,
// minus the calls it refuses by design (execve, fork, vfork, clone3).
func unigoSyscalls() Metric {
	m := valueMetric("calls", float64(len(syscalls.Implemented())))
	m.Note = "kernel/syscalls.Implemented(): every call the unigo kernel implements (execve, fork, vfork and clone3 are refused by design and not counted); anything else returns ENOSYS"
	return m
}

// hostProcessSyscalls is the system-call count of an app running as a host
// process (natively or in a container): the host kernel's compiled-in
// calls, or, when the process runs under a seccomp filter, the x86-64
// numbers the filter lets through.
func hostProcessSyscalls(ctx context.Context, host int, hostErr error, pid int) Metric {
	if hostErr != nil {
		return naMetric("calls", "n/a: %v", hostErr)
	}
	mode, err := seccompMode(pid)
	if err != nil {
		return naMetric("calls", "n/a: reading the app's seccomp mode: %v", err)
	}
	if mode == 0 {
		m := valueMetric("calls", float64(host))
		m.Note = fmt.Sprintf("no seccomp filter on the app's process: every system call the host kernel has compiled in (%d sys_enter tracepoints in tracefs)", host)
		return m
	}
	if mode == 1 {
		m := valueMetric("calls", 4)
		m.Note = "seccomp strict mode: read, write, exit, rt_sigreturn"
		return m
	}
	filters, err := seccompFilters(pid)
	if err == nil {
		var allowed int
		if allowed, err = seccompAllowed(filters); err == nil {
			m := valueMetric("calls", float64(min(allowed, host)))
			m.Note = fmt.Sprintf("x86-64 system-call numbers the process's seccomp filter (%d filter(s), read with PTRACE_SECCOMP_GET_FILTER) lets through when called with zero arguments: %d, of the %d the host kernel has compiled in", len(filters), allowed, host)
			return m
		}
	}
	return naMetric("calls", "n/a: the app runs under a seccomp filter that could not be read: %v (the host kernel has %d)", err, host)
}
