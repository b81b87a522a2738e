package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// hostFile reads a file the guest left in a shared directory.
func hostFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("on the host: %v", err)
	}
	return string(data)
}

// A host directory shared with -v DIR:/data: the guest reads what the host
// put there, writes files and a tree, renames, deletes, truncates, links,
// maps and fsyncs; the host then finds every change in its own files.
func TestSharedDirectory(t *testing.T) {
	t.Parallel()
	img := app(t, "shareapp")
	dir := t.TempDir()
	for name, data := range map[string]string{
		"from-host.txt":   "hello from the host\n",
		"delete-me.txt":   "x\n",
		"truncate-me.txt": string(bytes.Repeat([]byte("a"), 100)),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unigo(t, nil, "run", "-v", dir+":/data", img, "work", "/data").expect(t, 0,
		`from host: "hello from the host\n"`,
		"big intact: true",
		`link -> tree/moved.txt: "moved\n"`,
		"out.txt size=21 nlink=2",
		`unlinked but open: "still here"`,
		`cwd /data/tree/a: "leaf\n"`,
		"statfs type=0x1021997",
		"tree=[ /from-host.txt /link /mapped.bin /out-link.txt /out.txt /synced.log /tree /tree/a /tree/a/b /tree/a/b/leaf.txt /tree/big.bin /tree/moved.txt /truncate-me.txt]",
		"done")

	p := func(name string) string { return filepath.Join(dir, name) }
	if got := hostFile(t, p("out.txt")); got != "written by the guest\n" {
		t.Errorf("out.txt: %q", got)
	}
	if st, err := os.Stat(p("out.txt")); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("out.txt's mode after chmod: %v %v", st.Mode(), err)
	}
	a, _ := os.Stat(p("out.txt"))
	b, _ := os.Stat(p("out-link.txt"))
	if a == nil || b == nil || !os.SameFile(a, b) {
		t.Errorf("out-link.txt is not a hard link of out.txt")
	}
	if got := hostFile(t, p("tree/a/b/leaf.txt")); got != "leaf\n" {
		t.Errorf("leaf.txt: %q", got)
	}
	big := []byte(hostFile(t, p("tree/big.bin")))
	if len(big) != 300_000 || big[12345] != byte(12345*13%256) {
		t.Errorf("big.bin: %d bytes", len(big))
	}
	if got := hostFile(t, p("tree/moved.txt")); got != "moved\n" {
		t.Errorf("moved.txt: %q", got)
	}
	for _, gone := range []string{"moveme.txt", "delete-me.txt", "gone.txt"} {
		if _, err := os.Lstat(p(gone)); !os.IsNotExist(err) {
			t.Errorf("%s should be gone: %v", gone, err)
		}
	}
	if got := hostFile(t, p("truncate-me.txt")); got != "aaaaaaaaaa" {
		t.Errorf("truncate-me.txt: %q", got)
	}
	if target, err := os.Readlink(p("link")); err != nil || target != "tree/moved.txt" {
		t.Errorf("link: %q %v", target, err)
	}
	if got := hostFile(t, p("synced.log")); got != "line 0\nline 1\nline 2\n" {
		t.Errorf("synced.log: %q", got)
	}
	if m := hostFile(t, p("mapped.bin")); len(m) != 8192 || m[4096:4096+19] != "through the mapping" {
		t.Errorf("mapped.bin: what was written through the mapping is not in the file")
	}
}

// :ro shares refuse writes with EROFS (on pc: virtio-9p over PCI).
func TestSharedDirectoryReadOnly(t *testing.T) {
	t.Parallel()
	img := app(t, "shareapp")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "from-host.txt"), []byte("ro\n"), 0o644)
	unigo(t, nil, "run", "--machine", "pc", "-v", dir+":/data:ro", img, "readonly", "/data").expect(t, 0,
		`read "ro\n"`, "write: erofs=true", "mkdir: erofs=true", "remove: erofs=true")
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the read-only share changed: %v", entries)
	}
}

// Two shares and an ext2 volume in one VM, each its own file system.
func TestSharesWithVolume(t *testing.T) {
	t.Parallel()
	img := app(t, "shareapp")
	tmp := t.TempDir()
	a, b, disk := filepath.Join(tmp, "a"), filepath.Join(tmp, "b"), filepath.Join(tmp, "vol.img")
	os.Mkdir(a, 0o755)
	os.Mkdir(b, 0o755)
	if out, err := exec.Command(e2fsprogs(t, "mke2fs"), "-q", "-t", "ext2", disk, "16M").CombinedOutput(); err != nil {
		t.Fatalf("mke2fs: %v\n%s", err, out)
	}
	unigo(t, nil, "run", "-v", a+":/a", "-v", b+":/b", "-v", disk+":/vol", img, "multi", "/a", "/b", "/vol").expect(t, 0,
		`/a: "hello /a\n" type=0x1021997`, `/b: "hello /b\n" type=0x1021997`, `/vol: "hello /vol\n" type=0xef53`)
	if got := hostFile(t, filepath.Join(a, "hello.txt")); got != "hello /a\n" {
		t.Errorf("a: %q", got)
	}
	if got := hostFile(t, filepath.Join(b, "hello.txt")); got != "hello /b\n" {
		t.Errorf("b: %q", got)
	}
	fsckClean(t, disk)
	if got := debugfsCat(t, disk, "/hello.txt"); got != "hello /vol\n" {
		t.Errorf("vol: %q", got)
	}
	// A directory that is not there is refused before boot.
	unigo(t, nil, "run", "-v", filepath.Join(tmp, "missing")+"/:/data", img, "multi", "/data").expect(t, 125, "stderr:give an existing directory")
}
