package linuxvm

import (
	"fmt"
	"io"
	"os"
	"path"

	"unigo.dev/unigo/internal/cpio"
)

// File is one file of an initramfs: the host file at Path, stored as Name
// (no leading slash) with permission bits Perm.
type File struct {
	Name string
	Path string
	Perm uint32
}

// WriteInitramfs writes an uncompressed newc initramfs whose only entry is
// the program at initPath, stored as /init (mode 0755).
//
// Nothing else is added: the kernel's own built-in initramfs (Debian builds
// the default one) already provides /dev/console, which is all the kernel
// needs to give /init its standard input, output and error.
func WriteInitramfs(w io.Writer, initPath string) error {
	return WriteInitramfsFiles(w, []File{{Name: "init", Path: initPath, Perm: 0o755}})
}

// WriteInitramfsFiles writes an uncompressed newc initramfs holding files,
// with a directory entry before the first file of each directory.
func WriteInitramfsFiles(w io.Writer, files []File) error {
	c := cpio.NewWriter(w)
	dirs := map[string]bool{".": true}
	for _, f := range files {
		var parents []string
		for d := path.Dir(f.Name); !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			parents = append([]string{d}, parents...)
		}
		for _, d := range parents {
			c.Entry(d, cpio.ModeDir|0o755, 0, nil)
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return err
		}
		if len(data) > 1<<32-1 {
			return fmt.Errorf("%s is too large for a cpio archive", f.Path)
		}
		c.Entry(f.Name, cpio.ModeRegular|f.Perm&0o7777, 0, data)
	}
	return c.Close()
}
