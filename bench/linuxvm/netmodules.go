package linuxvm

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/internal/atomicfile"
)

// netDrivers are the modules a Debian cloud kernel needs for a virtio-net
// device on either machine type: virtio-mmio (QEMU microvm) or virtio-pci
// (pc). Their dependencies are added from each module's .modinfo.
var netDrivers = []string{"virtio_mmio", "virtio_pci", "virtio_net"}

// NetModules returns the kernel modules, in load order, that give the
// Linux baseline a virtio-net network interface. Debian builds virtio and
// virtio-net as modules, and Fetch keeps only the kernel, so the first
// call downloads the kernel package again and keeps these few modules in
// the cache (k.Dir/netmodules).
func (k *Kernel) NetModules(ctx context.Context) ([]string, error) {
	return k.modules(ctx, "netmodules", netDrivers)
}

// modules returns the modules named by drivers and everything they depend
// on, in load order, kept in the cache as k.Dir/set: the first call
// downloads the kernel package (apt-get download) and keeps only them.
func (k *Kernel) modules(ctx context.Context, set string, drivers []string) ([]string, error) {
	dir := filepath.Join(k.Dir, set)
	if paths, err := readOrder(dir); err == nil {
		return paths, nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(k.Dir), "."+set+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	_ = os.Chmod(tmp, 0o777) // apt downloads as _apt
	cmd := exec.CommandContext(ctx, "apt-get", "download", k.Package+"="+k.Version)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("apt-get download %s=%s (for its modules %v) failed: %v\n%s", k.Package, k.Version, drivers, err, lastLines(out, 5))
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		return nil, fmt.Errorf("apt-get download %s left %d .deb files, want 1", k.Package, len(debs))
	}
	root := filepath.Join(tmp, "root")
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", debs[0], root).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("dpkg-deb -x %s: %v\n%s", filepath.Base(debs[0]), err, lastLines(out, 5))
	}
	byName := map[string]string{} // module name → .ko path
	_ = filepath.WalkDir(filepath.Join(root, "lib", "modules"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".ko") {
			byName[strings.ReplaceAll(strings.TrimSuffix(d.Name(), ".ko"), "-", "_")] = p
		}
		return nil
	})
	var order []string
	seen := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		p, ok := byName[name]
		if !ok {
			return fmt.Errorf("%s has no module %s.ko (built in?)", k.Package, name)
		}
		deps, err := moduleDepends(p)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		order = append(order, name)
		return nil
	}
	for _, n := range drivers {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	out := filepath.Join(tmp, set)
	if err := os.Mkdir(out, 0o755); err != nil {
		return nil, err
	}
	var list []string
	for i, n := range order {
		file := fmt.Sprintf("%02d-%s.ko", i+1, n)
		if err := os.Rename(byName[n], filepath.Join(out, file)); err != nil {
			return nil, err
		}
		list = append(list, file)
	}
	if err := atomicfile.Write(filepath.Join(out, "order"), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(out, dir); err != nil {
		if paths, rerr := readOrder(dir); rerr == nil { // another process was first
			return paths, nil
		}
		return nil, err
	}
	return readOrder(dir)
}

func readOrder(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "order"))
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range strings.Fields(string(b)) {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// moduleDepends returns the "depends=" list of a module's .modinfo.
func moduleDepends(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := f.Section(".modinfo")
	if s == nil {
		return nil, fmt.Errorf("%s has no .modinfo section", filepath.Base(path))
	}
	b, err := s.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			if len(v) == 0 {
				return nil, nil
			}
			return strings.Split(strings.ReplaceAll(string(v), "-", "_"), ","), nil
		}
	}
	return nil, nil
}
