package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"unigo.dev/unigo/build"
	"unigo.dev/unigo/oci"
	"unigo.dev/unigo/store"
)

var buildFlags struct {
	output   string
	tags     []string
	verbose  bool
	rootfs   string
	push     bool
	exec     string
	from     string
	netStack bool
}

var buildCmd = &cobra.Command{
	Use:   "build [flags] [PACKAGE] | --exec PROGRAM | --from IMAGE",
	Short: "Build a Go main package, a static executable or a container image into a bootable unikernel image",
	Long: `Build compiles the Go main package PACKAGE (a directory such as ./cmd/hello,
an import path, or PATH@VERSION as go install takes it; default .) together with
the unigo kernel, for linux/amd64, with the go command you already have, and
writes a bootable image.

The package's module does not need to know about unigo: nothing is added to
its go.mod and no file of it is changed. Build flags in GOFLAGS apply, and the
build works offline when the module's dependencies are in the module cache.
A package in the module cache (a dependency, or PATH@VERSION, fetched through
the module proxy) builds from a stand-in copy outside the cache, which is only
read.

With -t NAME[:TAG] the image goes into the local image store (see 'unigo
images'), where 'unigo run NAME' finds it. A unigo.yaml next to the package
gives the defaults: the image name (so that a plain 'unigo build' stores it),
and the args, env, memory and ports it runs with:

  name: hello
  args: [-greeting, hi]
  env:
    LOG_LEVEL: debug
  memory: 32M
  ports: [8080]

Without -t or a name in unigo.yaml, the image is a file (-o, default
<package name>.img) that QEMU boots with -kernel (PVH); run it with
'unigo run FILE'.

With --exec PROGRAM, the image boots PROGRAM, an unmodified statically
linked x86-64 Linux executable in any language (C, C++, Rust, Zig, Go
built by someone else), instead of a Go package: it lies in the image's
root as /PROGRAM (with --rootfs, beside the directory's files), and the
kernel loads it. A unigo.yaml beside the program gives what it gives a
package. A dynamically linked program, a script or a program for another
machine is refused with how to build it statically. The kernel carries
the network stack only if a socket call is reachable in the program's
code (a stripped program always gets it); --net-stack, or net_stack: true
in unigo.yaml, puts it in anyway.

With --from IMAGE, the image is made of a container image whose
entrypoint is such a program: IMAGE is an image of the local Docker
engine, a registry reference (docker.io/library/app:1.2; the Docker
config's credentials), or an archive of 'docker save' or an OCI image
(layout or tar). Its layers become the image's root, and, as 'docker run
IMAGE' would run it: the program is the first word of ENTRYPOINT (or of
CMD without one; a name without a slash is looked up in the image's
PATH), the rest of ENTRYPOINT and CMD are the default args (ARGs given to
'unigo run NAME ARG...' replace them all), and ENV, WORKDIR and EXPOSE
the default env, working directory and ports. A unikernel runs one
program and has no shell: an ENTRYPOINT or CMD in shell form (CMD server
--port 80, which runs /bin/sh -c) is refused — write the exec form, CMD
["/server", "--port", "80"] — and so are a dynamically linked entrypoint
and one missing from the image. USER is ignored.`,
	Example: `  unigo build ./cmd/hello              # writes hello.img
  unigo build -o /tmp/web.img ./cmd/web
  unigo build -t web:v1 ./cmd/web       # into the image store
  unigo build go.etcd.io/bbolt/cmd/bbolt@v1.4.3
  unigo build -t localhost:5000/web:v1 --push ./cmd/web
  unigo build --exec ./server -o server.img   # a static C, Rust... program
  unigo build --exec ./server --rootfs ./www -t server
  unigo build --from myapp:latest -t myapp     # from the local Docker engine
  unigo build --from myapp.tar -t myapp        # from 'docker save myapp -o myapp.tar'
  unigo build --from ghcr.io/org/app:v2 -t app`,
	Args: cobra.MaximumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		pkg := "."
		if len(args) == 1 {
			pkg = args[0]
		}
		var refs []store.Ref
		for _, t := range buildFlags.tags {
			r, err := store.ParseRef(t)
			if err != nil {
				return fmt.Errorf("-t: %w", err)
			}
			refs = append(refs, r)
		}
		output := buildFlags.output
		if err := checkBuildSource(args); err != nil {
			return err
		}
		if len(refs) == 0 && output == "" && buildFlags.from == "" {
			// A unigo.yaml that names the image sends it to the store: the
			// package's, or the one beside --exec's program.
			dir := pkg
			if buildFlags.exec != "" {
				dir = filepath.Dir(buildFlags.exec)
			}
			if cfg, err := build.LoadConfig(dir); err != nil {
				return err
			} else if cfg != nil && cfg.Name.Name != "" {
				refs = []store.Ref{cfg.Name}
			}
		}
		if len(refs) > 0 && output == "" {
			tmp, err := os.MkdirTemp("", "unigo-build-")
			if err != nil {
				return fmt.Errorf("cannot create a temporary directory: %w", err)
			}
			defer os.RemoveAll(tmp)
			output = filepath.Join(tmp, "image")
		}
		var res *build.Result
		var err error
		switch {
		case buildFlags.from != "":
			res, err = build.FromImage(cmd.Context(), build.FromImageOptions{
				Ref:      buildFlags.from,
				Output:   output,
				Progress: os.Stderr,
				Verbose:  buildFlags.verbose,
				NetStack: buildFlags.netStack,
			})
		case buildFlags.exec != "":
			res, err = build.Exec(cmd.Context(), build.ExecOptions{
				Program:  buildFlags.exec,
				Output:   output,
				Progress: os.Stderr,
				Verbose:  buildFlags.verbose,
				Rootfs:   buildFlags.rootfs,
				NetStack: buildFlags.netStack,
			})
		default:
			res, err = build.Build(cmd.Context(), build.Options{
				Package:  pkg,
				Output:   output,
				Progress: os.Stderr,
				Verbose:  buildFlags.verbose,
				Rootfs:   buildFlags.rootfs,
			})
		}
		if err != nil {
			return err
		}
		if len(refs) == 0 {
			if buildFlags.push {
				return fmt.Errorf("--push sends the image to the registry its name gives: add -t REGISTRY/REPOSITORY[:TAG]")
			}
			return nil
		}
		s, err := openStore()
		if err != nil {
			return err
		}
		img, err := s.Add(res.Image, res.Manifest(), refs...)
		if err != nil {
			return err
		}
		for _, r := range refs {
			fmt.Fprintf(os.Stderr, "tagged %s\n", r)
		}
		fmt.Fprintln(cmd.OutOrStdout(), img.ID)
		if buildFlags.push {
			for _, r := range refs {
				if _, err := oci.Push(cmd.Context(), s, r.String(), "", registryOptions()); err != nil {
					return err
				}
			}
		}
		return nil
	},
}

// checkBuildSource refuses more than one thing to build: a package,
// --exec's program or --from's image.
func checkBuildSource(args []string) error {
	switch {
	case buildFlags.exec != "" && buildFlags.from != "":
		return fmt.Errorf("--exec and --from each say what to build: give one of them")
	case buildFlags.exec != "" && len(args) > 0:
		return fmt.Errorf("--exec %s builds the image of that executable: give no PACKAGE with it", buildFlags.exec)
	case buildFlags.from != "" && len(args) > 0:
		return fmt.Errorf("--from %s builds the image of that container image: give no PACKAGE with it", buildFlags.from)
	case buildFlags.netStack && buildFlags.exec == "" && buildFlags.from == "":
		return fmt.Errorf("--net-stack is for --exec and --from: a Go package's image has the network stack when the package imports net")
	case buildFlags.from != "" && buildFlags.rootfs != "":
		return fmt.Errorf("--rootfs with --from: the container image's file system is the image's root; add the files to the container image instead")
	}
	return nil
}

func init() {
	f := buildCmd.Flags()
	f.StringVarP(&buildFlags.output, "output", "o", "", "image file to write (default: <package or program name>.img, or none with -t)")
	f.StringArrayVarP(&buildFlags.tags, "tag", "t", nil, "store the image under NAME[:TAG] (repeatable)")
	f.BoolVarP(&buildFlags.verbose, "verbose", "v", false, "show the go command, go.work and overlay used")
	f.BoolVar(&buildFlags.push, "push", false, "push each -t name to its registry after the build (unigo push)")
	f.BoolVar(&registryFlags.insecure, "insecure", false, "with --push: allow plain HTTP to the registry")
	f.StringVar(&buildFlags.exec, "exec", "", "build the image of this unmodified statically linked x86-64 Linux executable (any language) instead of a Go package")
	f.StringVar(&buildFlags.from, "from", "", "build the image of this container image (local Docker engine, registry, docker save or OCI archive) whose entrypoint is a static executable: its files, command, env, workdir and ports")
	f.BoolVar(&buildFlags.netStack, "net-stack", false, "with --exec or --from: put the network stack in the kernel even if no socket call is found in the program (one made by a raw syscall)")
	f.StringVar(&buildFlags.rootfs, "rootfs", "", "directory whose contents become the image's read-only / (config files, templates, static assets)")
	rootCmd.AddCommand(buildCmd)
}
