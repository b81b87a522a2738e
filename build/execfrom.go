package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/store"
)

// FromImageOptions says which container image to make a unigo image of.
type FromImageOptions struct {
	// Ref is the container image, as ImageRoot takes it: a docker save or
	// OCI archive, an OCI layout, an image of the local Docker engine or
	// a registry reference.
	Ref string
	// NetStack is as in ExecOptions.
	NetStack bool
	// Output, Dir, Progress, Verbose and Kernel are as in Options.
	Output   string
	Dir      string
	Progress io.Writer
	Verbose  bool
	Kernel   fs.FS
}

// defaultPath is the PATH a program name is looked up in when the image's
// environment has none: Docker's default.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// shells are the programs whose -c runs a command line: what Docker's
// shell forms of ENTRYPOINT and CMD run.
var shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true}

// FromImage makes a unigo image of a container image whose entrypoint is a
// static executable: the image's file system becomes the unikernel's root,
// and its command (the rest of ENTRYPOINT and CMD), environment, working
// directory and exposed ports the image's defaults (Result.Manifest). A
// command that needs a shell, a program missing from the image or one that
// is not a static x86-64 executable is refused with what to do.
func FromImage(ctx context.Context, opts FromImageOptions) (*Result, error) {
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	root, err := os.MkdirTemp("", "unigo-from-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	defer removeTree(root)
	conf, err := ImageRoot(ctx, opts.Ref, root, progress)
	if err != nil {
		return nil, err
	}
	cmd, err := imageCommand(root, conf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Ref, err)
	}
	if err := CheckImageExecutable(root, cmd.path); err != nil {
		return nil, fmt.Errorf("%s: its %s %w", opts.Ref, cmd.from, err)
	}
	if err := makeWorkingDir(root, conf.WorkingDir); err != nil {
		return nil, fmt.Errorf("%s: its WORKDIR %s: %w", opts.Ref, conf.WorkingDir, err)
	}
	if u := conf.User; u != "" && u != "root" && u != "0" && u != "0:0" {
		fmt.Fprintf(progress, "note: the image's USER %s is not used: the program is alone in its unikernel, which has no users\n", u)
	}
	return Exec(ctx, ExecOptions{
		Path:     cmd.path,
		Rootfs:   root,
		Defaults: imageDefaults(conf, cmd.args),
		NetStack: opts.NetStack,
		Output:   opts.Output,
		Dir:      opts.Dir,
		Progress: opts.Progress,
		Verbose:  opts.Verbose,
		Kernel:   opts.Kernel,
	})
}

// imageDefaults are how the unigo image of a container image runs: its
// command's arguments, its environment, working directory and ports.
func imageDefaults(conf *ImageConfig, args []string) store.Config {
	c := store.Config{Args: args, Env: conf.Env, Ports: conf.ExposedPorts}
	if wd := path.Clean("/" + conf.WorkingDir); wd != "/" {
		c.WorkingDir = wd
	}
	return c
}

// command is what a container image runs.
type command struct {
	path string   // the program, absolute in the image
	args []string // its arguments
	from string   // "ENTRYPOINT" or "CMD": where the program was named
}

// imageCommand is the program a container image runs and its arguments:
// ENTRYPOINT followed by CMD, as Docker runs them, the first word found in
// the image (a name without a slash through the image's PATH, a relative
// path from its WORKDIR). Docker's shell forms are refused: a unikernel has
// no shell.
func imageCommand(root string, conf *ImageConfig) (command, error) {
	argv := append(append([]string{}, conf.Entrypoint...), conf.Cmd...)
	c := command{from: "ENTRYPOINT"}
	if len(conf.Entrypoint) == 0 {
		c.from = "CMD"
	}
	if len(argv) == 0 || argv[0] == "" {
		return c, errors.New(`it has no command (neither ENTRYPOINT nor CMD): give its program in the Dockerfile, in the exec form: ENTRYPOINT ["/app/server"]`)
	}
	p, err := ProgramOf(root, argv, conf.Env, conf.WorkingDir, c.from)
	if err != nil {
		return c, err
	}
	c.path, c.args = p, argv[1:]
	return c, nil
}

// ProgramOf is the program a container's command (argv, from its
// ENTRYPOINT or CMD, as from says) runs, found in the root file system as
// the guest finds it (findProgram: PATH of env, working directory wd). A
// shell's command line (Docker's shell forms) is refused: a unikernel has
// no shell. Errors begin "its FROM".
func ProgramOf(root string, argv, env []string, wd, from string) (string, error) {
	if err := shellForm(argv, from); err != nil {
		return "", err
	}
	p, err := findProgram(root, argv[0], env, wd)
	if err != nil {
		return "", fmt.Errorf("its %s %w", from, err)
	}
	return p, nil
}

// shellForm refuses a command that runs a shell's command line, as
// Docker's shell forms (ENTRYPOINT cmd, CMD cmd) do: /bin/sh -c "cmd".
func shellForm(argv []string, from string) error {
	if len(argv) < 2 || !shells[path.Base(argv[0])] || !strings.HasPrefix(argv[1], "-") || !strings.Contains(argv[1], "c") {
		return nil
	}
	line := strings.Join(argv[2:], " ")
	example := `["/app/server", "--port", "8080"]`
	if words := strings.Fields(strings.Join(argv[2:], " ")); len(words) > 0 && !strings.Contains(words[0], "=") &&
		!strings.ContainsAny(line, "$|&;<>()`'\"\\*?~{}[]#") {
		// The command line is plain words: the exec form of the same.
		b, _ := json.Marshal(words)
		example = strings.ReplaceAll(string(b), `","`, `", "`)
	}
	return fmt.Errorf("its %s is a shell command line (%s -c %q): a unikernel has no shell, it runs one program: "+
		"write the %s in the exec form, the program itself first, as in %s %s, with a static executable", from, argv[0], line, from, from, example)
}

// findProgram is where the guest finds the program name: an absolute path;
// a relative one from the working directory wd; a name without a slash in
// the directories of the image's PATH (env), or Docker's default.
func findProgram(root, name string, env []string, wd string) (string, error) {
	var candidates []string
	switch {
	case path.IsAbs(name):
		candidates = []string{path.Clean(name)}
	case strings.Contains(name, "/"):
		candidates = []string{path.Join("/", wd, name)}
	default:
		dirs := defaultPath
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok {
				dirs = v
			}
		}
		for _, d := range filepath.SplitList(dirs) {
			if path.IsAbs(d) {
				candidates = append(candidates, path.Join(d, name))
			}
		}
	}
	for _, c := range candidates {
		host, err := ImagePath(root, c)
		if err != nil {
			continue
		}
		if st, err := os.Stat(host); err == nil && st.Mode().IsRegular() {
			return c, nil
		}
	}
	if len(candidates) == 1 {
		return "", fmt.Errorf("%s is not in the image: check the Dockerfile's ENTRYPOINT and CMD and that it copies the program there", candidates[0])
	}
	return "", fmt.Errorf("%s is not in the image: looked for it in the image's PATH (%s): give the program's absolute path in the exec form, as in ENTRYPOINT [\"/app/%s\"], and check that the Dockerfile copies it there",
		name, strings.Join(dirsOf(candidates), ":"), name)
}

// dirsOf is the directories of paths.
func dirsOf(paths []string) []string {
	dirs := make([]string, len(paths))
	for i, p := range paths {
		dirs[i] = path.Dir(p)
	}
	return dirs
}

// makeWorkingDir makes the working directory wd in the image's root when
// the image lacks it, as Docker does at run time: the kernel refuses to
// boot in a directory that is not there.
func makeWorkingDir(root, wd string) error {
	if path.Clean("/"+wd) == "/" {
		return nil
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = newUnpacker(r).resolve(wd, true, false)
	return err
}

// removeTree removes a directory an image was unpacked into, read-only
// directories included.
func removeTree(dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	os.RemoveAll(dir)
}
