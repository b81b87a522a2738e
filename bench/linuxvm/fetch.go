// Package linuxvm prepares the Linux microVM baseline that unigo's
// benchmarks compare against: Debian's cloud kernel (fetched with apt-get,
// its uncompressed vmlinux extracted so that QEMU boots it through PVH), an
// initramfs whose only file is the app as /init, and a kernel command line
// tuned for a fast, honest boot.
package linuxvm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"unigo.dev/unigo/internal/atomicfile"
)

// MetaPackage is the Debian package whose dependency names the current
// cloud kernel.
const MetaPackage = "linux-image-cloud-amd64"

// Kernel is a Debian cloud kernel unpacked in the cache.
type Kernel struct {
	Package string // versioned package, e.g. linux-image-6.1.0-56-cloud-amd64
	Version string // Debian version of that package, e.g. 6.1.192-2
	Dir     string // cache directory holding the files below

	BzImage     string // path of the compressed kernel (vmlinuz) as Debian ships it
	Vmlinux     string // path of the extracted uncompressed ELF kernel; "" if extraction failed
	VmlinuxNote string // why Vmlinux is empty, when it is
	Compression string // compressor of the bzImage payload (lz4 for Debian 12)
}

// BootFile returns the file to give QEMU's -kernel, and how it boots: the
// uncompressed vmlinux through PVH when there is one, else the bzImage.
func (k *Kernel) BootFile() (path, how string) {
	if k.Vmlinux != "" {
		return k.Vmlinux, "vmlinux via PVH"
	}
	return k.BzImage, "bzImage (" + k.VmlinuxNote + ")"
}

// DefaultCacheDir returns $XDG_CACHE_HOME/unigo/linux-baseline (or the
// platform's equivalent).
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "unigo", "linux-baseline"), nil
}

// Fetch returns the current Debian cloud kernel, downloading it with
// `apt-get download` and unpacking it with `dpkg-deb -x` into cacheDir the
// first time. If apt cannot name the current kernel (no network, no package
// lists) but an earlier one is cached, that one is used.
func Fetch(ctx context.Context, cacheDir string) (*Kernel, error) {
	for _, tool := range []string{"apt-get", "apt-cache", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("the Linux baseline needs Debian's %s to fetch %s, and it is not on PATH: run the benchmark on Debian or Ubuntu (or install apt and dpkg)", tool, MetaPackage)
		}
	}
	pkg, version, err := resolve(ctx)
	if err != nil {
		if k, cerr := newestCached(cacheDir); cerr == nil {
			return k, nil
		}
		return nil, err
	}
	dir := filepath.Join(cacheDir, pkg+"_"+version)
	if k, err := loadCached(dir); err == nil {
		return k, nil
	}
	if err := download(ctx, cacheDir, dir, pkg); err != nil {
		return nil, err
	}
	return loadCached(dir)
}

// resolve names the versioned kernel package MetaPackage depends on, and
// its candidate version. It runs `apt-get update` once if apt knows
// nothing yet (a fresh machine).
func resolve(ctx context.Context) (pkg, version string, err error) {
	for attempt := 0; ; attempt++ {
		pkg, version, err = resolveOnce(ctx)
		if err == nil || attempt > 0 {
			break
		}
		if os.Geteuid() != 0 {
			return "", "", fmt.Errorf("%w; apt's package lists may be missing: run `sudo apt-get update` and try again", err)
		}
		if out, uerr := exec.CommandContext(ctx, "apt-get", "update").CombinedOutput(); uerr != nil {
			return "", "", fmt.Errorf("%w; `apt-get update` also failed: %v\n%s", err, uerr, lastLines(out, 5))
		}
	}
	return pkg, version, err
}

func resolveOnce(ctx context.Context) (pkg, version string, err error) {
	out, err := exec.CommandContext(ctx, "apt-cache", "depends", MetaPackage).CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("apt-cache depends %s: %v: %s", MetaPackage, err, lastLines(out, 3))
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") {
			pkg = f[1]
			break
		}
	}
	if pkg == "" {
		return "", "", fmt.Errorf("apt-cache does not know which kernel %s depends on (output: %q)", MetaPackage, lastLines(out, 3))
	}
	out, err = exec.CommandContext(ctx, "apt-cache", "policy", pkg).CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("apt-cache policy %s: %v: %s", pkg, err, lastLines(out, 3))
	}
	sc = bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "Candidate:" && f[1] != "(none)" {
			version = f[1]
		}
	}
	if version == "" {
		return "", "", fmt.Errorf("apt has no installable version of %s", pkg)
	}
	return pkg, version, nil
}

// download fetches pkg's .deb, unpacks it, and moves the kernel files
// into dir. The rest of the package (modules, ~100 MB) is dropped.
func download(ctx context.Context, cacheDir, dir, pkg string) error {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cacheDir, ".download-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// apt drops privileges to _apt for downloads into a directory it can write.
	_ = os.Chmod(tmp, 0o777)

	cmd := exec.CommandContext(ctx, "apt-get", "download", pkg)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get download %s failed (is the Debian mirror reachable?): %v\n%s", pkg, err, lastLines(out, 5))
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("apt-get download %s left %d .deb files, want 1", pkg, len(debs))
	}
	unpacked := filepath.Join(tmp, "root")
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", debs[0], unpacked).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb -x %s: %v\n%s", filepath.Base(debs[0]), err, lastLines(out, 5))
	}
	vmlinuz, _ := filepath.Glob(filepath.Join(unpacked, "boot", "vmlinuz-*"))
	if len(vmlinuz) != 1 {
		return fmt.Errorf("%s holds %d boot/vmlinuz-* files, want 1", filepath.Base(debs[0]), len(vmlinuz))
	}
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		return err
	}
	if err := os.Rename(vmlinuz[0], filepath.Join(out, "vmlinuz")); err != nil {
		return err
	}
	if cfg, _ := filepath.Glob(filepath.Join(unpacked, "boot", "config-*")); len(cfg) == 1 {
		_ = os.Rename(cfg[0], filepath.Join(out, "config"))
	}
	if err := writeVmlinux(out); err != nil {
		return err
	}
	if err := os.Rename(out, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		// Another process may have filled dir meanwhile; theirs is as good.
		if _, serr := os.Stat(filepath.Join(dir, "vmlinuz")); serr != nil {
			return err
		}
	}
	return nil
}

// writeVmlinux extracts dir/vmlinuz into dir/vmlinux (and records the
// compressor in dir/compression), or records why it could not in
// dir/vmlinux.failed. Only an I/O error is returned.
func writeVmlinux(dir string) error {
	bz, err := os.ReadFile(filepath.Join(dir, "vmlinuz"))
	if err != nil {
		return err
	}
	elfImg, comp, xerr := ExtractVmlinux(bz)
	if comp != "" {
		if err := os.WriteFile(filepath.Join(dir, "compression"), []byte(comp+"\n"), 0o644); err != nil {
			return err
		}
	}
	if xerr == nil && !HasPVHNote(elfImg) {
		xerr = errors.New("the extracted vmlinux has no PVH entry note")
	}
	if xerr != nil {
		return os.WriteFile(filepath.Join(dir, "vmlinux.failed"), []byte(xerr.Error()+"\n"), 0o644)
	}
	return atomicfile.Write(filepath.Join(dir, "vmlinux"), elfImg, 0o644)
}

// loadCached returns the kernel cached in dir (named PACKAGE_VERSION).
func loadCached(dir string) (*Kernel, error) {
	bz := filepath.Join(dir, "vmlinuz")
	if _, err := os.Stat(bz); err != nil {
		return nil, err
	}
	base := filepath.Base(dir)
	pkg, version, _ := strings.Cut(base, "_")
	k := &Kernel{Package: pkg, Version: version, Dir: dir, BzImage: bz}
	if b, err := os.ReadFile(filepath.Join(dir, "compression")); err == nil {
		k.Compression = strings.TrimSpace(string(b))
	}
	vm := filepath.Join(dir, "vmlinux")
	if _, err := os.Stat(vm); err == nil {
		k.Vmlinux = vm
	} else if b, err := os.ReadFile(filepath.Join(dir, "vmlinux.failed")); err == nil {
		k.VmlinuxNote = "vmlinux extraction failed: " + strings.TrimSpace(string(b))
	} else {
		// A cache written by an older version: extract now.
		if err := writeVmlinux(dir); err != nil {
			return nil, err
		}
		return loadCached(dir)
	}
	return k, nil
}

// newestCached returns the most recently written kernel in cacheDir.
func newestCached(cacheDir string) (*Kernel, error) {
	ents, err := os.ReadDir(cacheDir)
	if err != nil {
		return nil, err
	}
	type cand struct {
		dir string
		mod int64
	}
	var cs []cand
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if fi, err := os.Stat(filepath.Join(cacheDir, e.Name(), "vmlinuz")); err == nil {
			cs = append(cs, cand{filepath.Join(cacheDir, e.Name()), fi.ModTime().UnixNano()})
		}
	}
	if len(cs) == 0 {
		return nil, errors.New("no cached kernel")
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].mod > cs[j].mod })
	return loadCached(cs[0].dir)
}

// lastLines returns at most the last n non-empty lines of out.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
