package files

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/volume"
)

// The disks of the benchmarks on a disk: a fresh disk image for every run,
// holding the program's input files if it has any (volbench's, which it
// reads "cold"), written once by the program itself (`volbench -prepare`).

// programInputs has the program write its input files (names) into dir
// and returns their paths.
func programInputs(ctx context.Context, binary, dir string, names []string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, binary, "-prepare", "-dir", dir).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s -prepare: %v: %s", filepath.Base(binary), err, strings.TrimSpace(string(out)))
	}
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s -prepare did not write %s: %w", filepath.Base(binary), n, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// freshDisk makes a new ext2 disk image at path the way `unigo volume
// create` does (volume.MakeFileSystem: mke2fs -t ext2 -b 4096 -m 0), and
// writes the input files into its root directory with e2fsprogs' debugfs,
// from the host, without mounting it.
func freshDisk(ctx context.Context, path string, size int64, label string, inputs []string) error {
	os.Remove(path)
	if err := volume.MakeFileSystem(path, size, label); err != nil {
		return err
	}
	if len(inputs) == 0 {
		return nil
	}
	debugfs, err := e2fsTool("debugfs")
	if err != nil {
		return err
	}
	var script strings.Builder
	for _, in := range inputs {
		fmt.Fprintf(&script, "write %s %s\n", in, filepath.Base(in))
	}
	cmd := exec.CommandContext(ctx, debugfs, "-w", "-f", "-", path)
	cmd.Stdin = strings.NewReader(script.String())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debugfs -w %s: %v: %s", path, err, measure.LastLines(strings.TrimSpace(out.String()), 3))
	}
	// debugfs reports a failed command and carries on: each write says
	// "Allocated inode" when it worked.
	if n := strings.Count(out.String(), "Allocated inode"); n != len(inputs) {
		return fmt.Errorf("debugfs wrote %d of the %d input files into %s: %s", n, len(inputs), path, measure.LastLines(strings.TrimSpace(out.String()), 3))
	}
	return nil
}

// e2fsTool finds an e2fsprogs program (in /sbin on Debian, often not in a
// user's PATH).
func e2fsTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: the volume benchmark writes its input files into the disk images with e2fsprogs' debugfs; install it (apt-get install e2fsprogs)", name)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// nativeVolumeDir makes a fresh directory holding copies of the inputs.
func nativeVolumeDir(dir string, inputs []string) error {
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, in := range inputs {
		if err := harness.CopyFile(filepath.Join(dir, filepath.Base(in)), in, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// fsTypeOf names the file system dir is on ("ext4 on /dev/vda1",
// "tmpfs"), from the longest mount point of /proc/self/mounts that holds
// it.
func fsTypeOf(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "unknown"
	}
	if p, err := filepath.EvalSymlinks(abs); err == nil {
		abs = p
	}
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return "unknown"
	}
	best, what := "", "unknown"
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 3 {
			continue
		}
		mp := f[1]
		if (abs == mp || strings.HasPrefix(abs, strings.TrimSuffix(mp, "/")+"/")) && len(mp) >= len(best) {
			best, what = mp, f[2]
			if f[2] != "tmpfs" && strings.HasPrefix(f[0], "/") {
				what += " on " + f[0]
			}
		}
	}
	return what
}
