package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"unigo.dev/unigo"
	"unigo.dev/unigo/internal/atomicfile"
	"unigo.dev/unigo/internal/lockfile"
)

// execLinkFlags link the kernel of unmodified executables: its entry, its
// text 1 GiB up, and the mode that makes it load the program; with the
// network stack, also the mark that makes it start its own runtime for it,
// and without, the one that makes a socket call say what is missing.
func execLinkFlags(withNet bool) string {
	flags := "-E " + EntrySymbol + " -T " + ExecTextAddress + " -X " + execModeSymbol + "=1"
	if withNet {
		return flags + " -X " + execNetSymbol + "=1"
	}
	return flags + " -X " + execNoNetSymbol + "=1"
}

// execMain is the main package of the kernel of unmodified executables,
// with the network stack or without.
func execMain(withNet bool) string {
	if withNet {
		return execKernelMain
	}
	return execKernelMainNoNet
}

// execKernelsKept is how many kernels of unmodified executables the cache
// keeps (each a few MiB): the newest used, for the kernels and toolchains
// in use, the others removed when a new one is linked.
const execKernelsKept = 4

// execKernelEnv are the go command's settings that change what it links,
// besides the kernel source: they are part of the cache key.
var execKernelEnv = []string{"GOVERSION", "GOROOT", "GOFLAGS", "GOAMD64", "GOEXPERIMENT"}

// linkedKernel is the kernel of unmodified executables, linked: the
// executable go build writes, before a root file system is attached.
type linkedKernel struct {
	elf       []byte
	sum       string // sha256 of the kernel source (hex)
	goVersion string // the toolchain that linked it
}

// execKernel returns the kernel of unmodified executables, with the
// network stack or without. It is the same for every program, so it is
// linked once per kernel source, toolchain and link flags and kept in
// unigo's cache (execKernelCacheDir), written atomically; a lock keeps
// concurrent builds from linking it twice. Only the first build says
// anything on progress.
func execKernel(ctx context.Context, src fs.FS, withNet bool, progress io.Writer, verbose bool) (*linkedKernel, error) {
	if src == nil {
		src = unigo.KernelSource
	}
	_, sum, err := kernelFiles(src, kernelModuleFor(withNet))
	if err != nil {
		return nil, fmt.Errorf("reading the embedded kernel source: %w", err)
	}
	// The main package is a module of its own: its go line, not the
	// current directory's, picks the toolchain, and the cache key is the
	// same wherever unigo runs.
	tmp, err := os.MkdirTemp("", "unigo-exec-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	mainDir := filepath.Join(tmp, "kernel")
	if err := writeExecMain(mainDir, withNet); err != nil {
		return nil, err
	}
	out, err := goCmd(ctx, mainDir, nil, append([]string{"env", "-json"}, execKernelEnv...)...)
	if err != nil {
		return nil, fmt.Errorf("cannot run the go command: %s", goMessage(err))
	}
	var goEnv map[string]string
	if err := json.Unmarshal(out, &goEnv); err != nil {
		return nil, fmt.Errorf("reading 'go env -json': %w", err)
	}
	k := &linkedKernel{sum: sum, goVersion: goEnv["GOVERSION"]}

	dir, err := execKernelCacheDir()
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, execKernelKey(sum, withNet, goEnv)+".elf")
	if k.elf = readCached(file); k.elf != nil {
		if verbose {
			fmt.Fprintf(progress, "the kernel for unmodified executables (%s): %s\n", k.goVersion, file)
		}
		return k, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the kernel cache: %w: check permissions or set XDG_CACHE_HOME", err)
	}
	lockPath := filepath.Join(dir, ".lock")
	lock, ok, err := lockfile.TryAcquire(lockPath)
	if err == nil && !ok {
		fmt.Fprintln(progress, "waiting for another unigo that is building the kernel for unmodified executables...")
		lock, err = lockfile.Acquire(lockPath)
	}
	if err != nil {
		return nil, fmt.Errorf("the kernel cache: %w", err)
	}
	defer lock.Unlock()
	if k.elf = readCached(file); k.elf != nil {
		return k, nil // the other build made it
	}

	quiet := io.Discard
	if verbose {
		quiet = progress
	}
	l, err := link(ctx, Options{
		Package:      mainDir,
		Dir:          mainDir,
		Kernel:       src,
		linkFlags:    execLinkFlags(withNet),
		progressLine: "building the kernel for unmodified executables (once)...",
	}, mainDir, tmp, progress, quiet)
	if err != nil {
		return nil, err
	}
	if k.elf, err = os.ReadFile(l.elf); err != nil {
		return nil, fmt.Errorf("cannot read the linked kernel: %w", err)
	}
	if err := atomicfile.Write(file, k.elf, 0o644); err != nil {
		return nil, fmt.Errorf("cannot keep the kernel in the cache: %w: check permissions or set XDG_CACHE_HOME", err)
	}
	pruneExecKernels(dir, execKernelsKept)
	return k, nil
}

// writeExecMain writes the main package the kernel of unmodified
// executables is linked as, a module of its own, into dir.
func writeExecMain(dir string, withNet bool) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	goMod := "module unigo.dev/execkernel\n\ngo " + KernelModuleGoVersion + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.go"), []byte(execMain(withNet)), 0o644)
}

// execKernelKey names a linked kernel by all that goes into it: the kernel
// source's sum, the go command's settings, the link flags and the main
// package.
func execKernelKey(sum string, withNet bool, goEnv map[string]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "unigo exec kernel 1\x00%s\x00%s\x00%s\x00", sum, execLinkFlags(withNet), execMain(withNet))
	keys := make([]string, 0, len(goEnv))
	for k := range goEnv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\x00", k, goEnv[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readCached is the cached kernel in file, its time set to now so that
// pruning keeps it; nil when it is not there.
func readCached(file string) []byte {
	data, err := os.ReadFile(file)
	if err != nil || len(data) == 0 {
		return nil
	}
	now := time.Now()
	os.Chtimes(file, now, now)
	return data
}

// pruneExecKernels removes all but the keep most recently used kernels
// in dir. Preconditions: the cache's lock is held.
func pruneExecKernels(dir string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type kept struct {
		name string
		used time.Time
	}
	var elfs []kept
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".elf") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if info, err := e.Info(); err == nil {
			elfs = append(elfs, kept{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(elfs, func(i, j int) bool { return elfs[i].used.After(elfs[j].used) })
	for i := keep; i < len(elfs); i++ {
		os.Remove(filepath.Join(dir, elfs[i].name))
	}
}

// execKernelCacheDir is where the linked kernels of unmodified executables
// are kept: $XDG_CACHE_HOME/unigo/exec-kernel, beside the kernel source.
func execKernelCacheDir() (string, error) {
	root, err := kernelCacheRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(root), "exec-kernel"), nil
}
