package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"reflect"
	"strings"

	"unigo.dev/unigo/image"
	"unigo.dev/unigo/store"
)

// ExecOptions says which unmodified static executable to make an image of.
type ExecOptions struct {
	// Program is the executable on the host.
	Program string
	// Path is where the program lies in the image's root; empty means
	// "/" + its base name. With Rootfs, a Path inside it names a file
	// already there (a container image's entrypoint) and Program may be
	// empty.
	Path string
	// Rootfs is a directory whose contents become the image's root.
	Rootfs string
	// Omit lists paths of Rootfs left out of the image (absolute, as the
	// guest sees them): what a container runtime mounts over them.
	Omit []string
	// Defaults are how the image runs unless told otherwise (a container
	// image's command, environment, working directory and ports).
	Defaults store.Config
	// NetStack puts the network stack into the kernel whatever the
	// program's code shows (usesSockets): for a program that makes its
	// socket calls in ways the analysis cannot see (a raw syscall).
	NetStack bool
	// Output, Dir, Progress, Verbose and Kernel are as in Options.
	Output   string
	Dir      string
	Progress io.Writer
	Verbose  bool
	Kernel   fs.FS
}

// ExeLink is the symbolic link in the image's root that names the program
// the kernel of unmodified executables loads (docs/exec-design.md).
const ExeLink = "/.unigo/exe"

// ExecTextAddress is where the kernel of unmodified executables is linked:
// 1 GiB above an app's image (image.ExecLinkOffset), where no static
// program's addresses are.
const ExecTextAddress = "0x40101000"

// execModeSymbol is the kernel's variable that the linker sets to "1" in
// the kernel of unmodified executables: the kernel then loads the program
// named by ExeLink instead of starting the Go runtime it is linked with.
const execModeSymbol = KernelPackage + ".execMode"

// execNetSymbol is the kernel's variable that the linker sets to "1" in the
// kernel of unmodified executables that carries the network stack.
const execNetSymbol = KernelPackage + ".execNet"

// execNoNetSymbol is the system-call table's variable that the linker
// sets to "1" in the kernel of unmodified executables without the network
// stack: the program's first socket call then says on the console why it
// fails, and what to do (--net-stack).
const execNoNetSymbol = KernelPackage + "/syscalls.noNetStack"

// execKernelMainNoNet is the main package of the kernel of unmodified
// executables without the network stack: its runtime never starts.
const execKernelMainNoNet = "package main\n\nfunc main() {}\n"

// execKernelMain is the main package the kernel of unmodified executables
// is linked as, with the network stack (it imports net). Its Go runtime
// runs the stack beside the program, as a process of its own, started by
// the program's first socket call; once the stack's packages are
// initialised, main lets that call go on (the private call
// privcalls.ExecStart, which never returns). A program that opens no
// socket never starts this runtime.
const execKernelMain = `package main

import (
	_ "net" // the network stack comes with package net
	"syscall"
)

const execStart = 1009 // privcalls.ExecStart

func main() {
	for { // the call blocks for good; a signal's EINTR only comes back here
		syscall.Syscall(execStart, 0, 0, 0)
	}
}
`

// CheckImageExecutable is CheckStaticExecutable of the file the guest finds
// at p in the image root dir (symbolic links followed inside it, as
// ImagePath does); its messages name p, not the host's copy.
func CheckImageExecutable(dir, p string) error {
	host, err := ImagePath(dir, p)
	if err != nil {
		return err
	}
	if err := CheckStaticExecutable(host); err != nil {
		return errors.New(strings.ReplaceAll(err.Error(), host, p))
	}
	return nil
}

// Exec makes an image that boots the static executable opts.Program
// unmodified: the kernel, linked on its own, loads it from the image's root
// file system (docs/exec-design.md). That kernel is the same for every
// program, so it is linked once and kept in unigo's cache (execKernel);
// each image is that kernel with the program's root attached.
func Exec(ctx context.Context, opts ExecOptions) (*Result, error) {
	dir, err := baseDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	program, rootfs := abs(opts.Program), abs(opts.Rootfs)
	guest := opts.Path
	if guest == "" {
		if program == "" {
			return nil, fmt.Errorf("no program: give the static executable to boot")
		}
		guest = "/" + filepath.Base(program)
	}
	if !path.IsAbs(guest) || path.Clean(guest) != guest || guest == "/" {
		return nil, fmt.Errorf("program path %q: give an absolute path inside the image, such as /app/server", guest)
	}
	files := map[string]string{}
	check := program // the program's file on the host
	if program != "" {
		// A unigo.yaml beside the program gives what it gives a Go app's
		// package: the defaults, the root directory and files.
		cfg, err := LoadConfig(filepath.Dir(program))
		if err != nil {
			return nil, err
		}
		if cfg != nil {
			if reflect.DeepEqual(opts.Defaults, store.Config{}) {
				opts.Defaults = cfg.Run
			}
			if rootfs == "" {
				rootfs = cfg.Rootfs
			}
			maps.Copy(files, cfg.Files)
			opts.NetStack = opts.NetStack || cfg.NetStack
		}
		files[guest] = program
		if err := CheckStaticExecutable(program); err != nil {
			return nil, err
		}
	} else {
		if rootfs == "" {
			return nil, fmt.Errorf("no program: give the static executable to boot")
		}
		if err := CheckImageExecutable(rootfs, guest); err != nil {
			return nil, err
		}
		p, err := ImagePath(rootfs, guest)
		if err != nil {
			return nil, err
		}
		check = p
	}
	name := strings.TrimSuffix(path.Base(guest), path.Ext(guest))
	output := abs(opts.Output)
	if output == "" {
		output = filepath.Join(dir, name+".img")
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	withNet := opts.NetStack
	if !withNet {
		if withNet, err = usesSockets(check); err != nil {
			return nil, err
		}
	}
	kernel, err := execKernel(ctx, opts.Kernel, withNet, progress, opts.Verbose)
	if err != nil {
		return nil, err
	}
	root, err := packRoot(rootfs, files, map[string]string{ExeLink: guest}, opts.Omit...)
	if err != nil {
		return nil, err
	}
	img, err := image.FromELFWithRootfs(kernel.elf, root)
	if err != nil {
		return nil, fmt.Errorf("cannot make the kernel for unmodified executables bootable: %w: this is a unigo bug, please report it", err)
	}
	if err := image.WriteFile(output, img); err != nil {
		return nil, fmt.Errorf("%w: check that the directory exists and is writable", err)
	}
	note := ""
	if !withNet {
		note = "; no network stack: the program's code reaches no socket call; --net-stack adds it"
	}
	fmt.Fprintf(progress, "wrote %s (%s%s)\n", displayPath(dir, output), HumanSize(int64(len(img))), note)
	res := &Result{Image: output, Name: DefaultName(name), Dir: dir, GoVersion: kernel.goVersion, Kernel: "sha256:" + kernel.sum}
	if !reflect.DeepEqual(opts.Defaults, store.Config{}) {
		res.Config = &AppConfig{Run: opts.Defaults}
	}
	return res, nil
}
