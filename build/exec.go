package build

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
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

// execKernelMain is the main package the kernel of unmodified executables
// is linked as. Its Go runtime runs the network stack (linked in because
// it imports net) beside the program, as a process of its own; once the
// stack's packages are initialised, main starts the program (the private
// call privcalls.ExecStart, which never returns). Without a network card
// the kernel starts the program at once and this runtime never runs.
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

// Exec makes an image that boots the static executable opts.Program
// unmodified: the kernel, linked on its own, loads it from the image's root
// file system (docs/exec-design.md).
func Exec(ctx context.Context, opts ExecOptions) (*Result, error) {
	dir := opts.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("cannot find the current directory: %w", err)
		}
		dir = wd
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
	check := program
	if program != "" {
		files[guest] = program
	} else {
		if rootfs == "" {
			return nil, fmt.Errorf("no program: give the static executable to boot")
		}
		p, err := ImagePath(rootfs, guest)
		if err != nil {
			return nil, err
		}
		check = p
	}
	if err := CheckStaticExecutable(check); err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(path.Base(guest), path.Ext(guest))
	output := abs(opts.Output)
	if output == "" {
		output = filepath.Join(dir, name+".img")
	}

	tmp, err := os.MkdirTemp("", "unigo-exec-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	mainDir := filepath.Join(tmp, "kernel")
	if err := os.Mkdir(mainDir, 0o755); err != nil {
		return nil, err
	}
	goMod := "module unigo.dev/execkernel\n\ngo " + KernelModuleGoVersion + "\n"
	if err := os.WriteFile(filepath.Join(mainDir, "go.mod"), []byte(goMod), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(mainDir, "main.go"), []byte(execKernelMain), 0o644); err != nil {
		return nil, err
	}
	res, err := Build(ctx, Options{
		Package:   mainDir,
		Output:    output,
		Dir:       dir,
		Progress:  opts.Progress,
		Verbose:   opts.Verbose,
		Kernel:    opts.Kernel,
		Rootfs:    rootfs,
		linkFlags: "-E " + EntrySymbol + " -T " + ExecTextAddress + " -X " + execModeSymbol + "=1",
		rootFiles: files,
		rootLinks: map[string]string{ExeLink: guest},
	})
	if err != nil {
		return nil, err
	}
	res.Name, res.Dir, res.Config = DefaultName(name), dir, nil
	return res, nil
}
