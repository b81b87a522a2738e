// Package ociruntime is unigo's OCI runtime: a runc-compatible command
// (`unigo runtime`, which Docker 20.10 takes through "runtimes" in its
// daemon.json) that boots a unigo image found in the container's root file
// system as a VM, so that `docker run --runtime=unigo IMG` runs a
// unikernel beside containers.
//
// It speaks the contract containerd's runc shim uses: global --root, --log
// and --log-format json; create (the container process is started and
// waits; with --console-socket its stdio is a terminal whose master goes to
// the engine), start, state, kill, delete, features, ps; exec is refused,
// for a unikernel has nothing to exec. The container process (the pid in
// --pid-file) boots the VM at start and exits with the app's exit code, so
// `docker wait` and `docker inspect` see the app's.
package ociruntime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/internal/atomicfile"
)

// DefaultRoot is where container states live without --root.
const DefaultRoot = "/run/unigo-runtime"

// InitArg is the hidden command that runs a container process.
const InitArg = "__init"

type runtime struct {
	root      string
	log       string // --log: errors go there too, for the engine
	logFormat string // "json" or "text"
	self      []string
}

// Main runs the runtime with runc's arguments (without the program name);
// self is how to run this program's runtime again (for the container
// process). It returns the exit code.
func Main(self []string, args []string) int {
	r := &runtime{self: self}
	g := flag.NewFlagSet("unigo runtime", flag.ContinueOnError)
	g.SetOutput(io.Discard)
	g.StringVar(&r.root, "root", DefaultRoot, "")
	g.StringVar(&r.log, "log", "", "")
	g.StringVar(&r.logFormat, "log-format", "text", "")
	g.Bool("systemd-cgroup", false, "")
	g.Bool("debug", false, "")
	g.String("criu", "", "")
	g.Bool("rootless", false, "")
	if err := g.Parse(args); err != nil {
		return r.fail(fmt.Errorf("%v: see 'unigo runtime --help'", err))
	}
	rest := g.Args()
	if len(rest) == 0 {
		return r.fail(errors.New("no command: create, start, state, kill, delete, pause, resume, features, ps"))
	}
	cmd, rest := rest[0], rest[1:]
	var err error
	switch cmd {
	case InitArg:
		if len(rest) != 1 {
			return r.fail(errors.New("__init ID"))
		}
		return r.containerInit(rest[0])
	case VMMArg:
		if len(rest) < 2 {
			return r.fail(fmt.Errorf("%s ROOT PROGRAM ARGS...", VMMArg))
		}
		err = enterJail(rest[0], rest[1:])
	case "create":
		err = r.create(rest)
	case "start":
		err = r.withID(rest, r.start)
	case "state":
		err = r.withID(rest, r.printState)
	case "kill":
		err = r.kill(rest)
	case "delete":
		err = r.delete(rest)
	case "features":
		err = r.features()
	case "ps":
		err = r.ps(rest)
	case "exec":
		err = errors.New("exec is not possible in a unikernel: it runs one program and has no shell or other programs to start (use 'docker logs', or 'unigo run --trace-syscalls' to see what the app does)")
	case "pause", "resume":
		err = r.pause(rest, cmd == "pause")
	case "update":
		err = errors.New("update is not possible for a unikernel: its memory and CPU are the VM's, fixed when it boots (run a new container with the new --memory)")
	case "checkpoint", "restore", "events":
		err = fmt.Errorf("%s is not supported by the unigo runtime yet", cmd)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		return r.fail(err)
	}
	return 0
}

// fail reports err where the engine looks: standard error, and the --log
// file, whose last {"level":"error"} line containerd shows the user.
func (r *runtime) fail(err error) int {
	fmt.Fprintf(os.Stderr, "unigo runtime: %v\n", err)
	if r.log != "" {
		if f, ferr := os.OpenFile(r.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); ferr == nil {
			if r.logFormat == "json" {
				b, _ := json.Marshal(map[string]string{"level": "error", "msg": "unigo runtime: " + err.Error(), "time": time.Now().UTC().Format(time.RFC3339Nano)})
				f.Write(append(b, '\n'))
			} else {
				fmt.Fprintf(f, "%s error: unigo runtime: %v\n", time.Now().UTC().Format(time.RFC3339), err)
			}
			f.Close()
		}
	}
	return 1
}

func (r *runtime) withID(args []string, f func(id string) error) error {
	if len(args) != 1 {
		return errors.New("give one container ID")
	}
	return f(args[0])
}

// create prepares the container: its state, and the container process,
// which checks and prepares the VM and then waits for start.
func (r *runtime) create(args []string) error {
	f := flag.NewFlagSet("create", flag.ContinueOnError)
	f.SetOutput(io.Discard)
	bundle := f.String("bundle", ".", "")
	f.StringVar(bundle, "b", ".", "")
	pidFile := f.String("pid-file", "", "")
	consoleSocket := f.String("console-socket", "", "")
	f.Bool("no-pivot", false, "")
	f.Bool("no-new-keyring", false, "")
	f.Int("preserve-fds", 0, "")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return errors.New("create: give one container ID")
	}
	abs, err := filepath.Abs(*bundle)
	if err != nil {
		return err
	}
	_, err = r.createContainer(f.Arg(0), abs, *pidFile, *consoleSocket, Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	return err
}

// createContainer is create's work, for the command and for the containerd
// shim (Runtime.Create): the container's state and its process, started
// with stdio (or the console socket's terminal) and ready to boot; it
// returns the container process's pid.
func (r *runtime) createContainer(id, bundle, pidFile, consoleSocket string, stdio Stdio) (int, error) {
	if !validID.MatchString(id) {
		return 0, fmt.Errorf("%q is not a container ID", id)
	}
	spec, cfg, err := readBundle(bundle)
	plain := errors.Is(err, errPlainImage)
	if err != nil && !plain {
		return 0, err
	}
	if err := os.MkdirAll(r.root, 0o700); err != nil {
		return 0, fmt.Errorf("cannot create the runtime's root %s: %w", r.root, err)
	}
	if err := os.Mkdir(r.dir(id), 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return 0, fmt.Errorf("container %s exists already", id)
		}
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(r.dir(id))
		}
	}()
	if plain {
		if cfg, err = execConfig(context.Background(), spec, rootfsOf(bundle, spec), r.dir(id), cfg); err != nil {
			return 0, err
		}
	}
	newNet, netnsPath, err := networkNamespace(spec)
	if err != nil {
		return 0, err
	}
	st := &state{ID: id, Bundle: bundle, Created: time.Now().UTC(), Config: cfg, Annotations: spec.Annotations, OwnNetwork: newNet || netnsPath != "", ResolvConf: resolvConf(spec)}
	if err := r.save(st); err != nil {
		return 0, err
	}
	if err := unix.Mkfifo(filepath.Join(r.dir(id), execFifo), 0o600); err != nil {
		return 0, err
	}
	if consoleSocket != "" {
		tty, err := containerConsole(consoleSocket)
		if err != nil {
			return 0, err
		}
		defer tty.Close()
		stdio = Stdio{In: tty, Out: tty, Err: tty}
	}
	pid, err := r.startInit(id, newNet, netnsPath, stdio)
	if err != nil {
		return 0, err
	}
	defer func() {
		if !ok {
			syscall.Kill(pid, syscall.SIGKILL) // a container that failed to be created has no process
		}
	}()
	if st.Init, err = instance.ProcOf(pid); err != nil {
		return 0, err
	}
	if path := cgroupsPath(spec); path != "" {
		// The container process, and QEMU after it, in the container's
		// cgroup, as runc puts its process: `docker stats` reads it, and
		// a memory limit bounds the VM and QEMU. Without it (a systemd
		// slice, no rights) the container runs, unaccounted.
		if _, err := JoinCgroup(path, pid, memoryLimit(spec)); err != nil {
			fmt.Fprintf(os.Stderr, "unigo: %v\n", err)
		} else {
			st.Cgroup = path
		}
	}
	if err := r.save(st); err != nil {
		return 0, err
	}
	if err := runHooks(spec, st, pid); err != nil {
		return 0, err
	}
	if pidFile != "" {
		if err := atomicfile.Write(pidFile, []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return 0, err
		}
	}
	ok = true
	return pid, nil
}

// networkNamespace says whether the container process gets a network
// namespace of its own (the spec asks for a new one, as Docker does), or
// joins one (path: a pod's, made by CNI before its containers, as
// containerd's CRI plugin gives it).
func networkNamespace(spec *specs.Spec) (own bool, path string, err error) {
	if spec.Linux == nil {
		return false, "", nil
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type != specs.NetworkNamespace {
			continue
		}
		if ns.Path != "" {
			return false, ns.Path, nil
		}
		return true, "", nil
	}
	return false, "", nil
}

// runHooks runs the spec's prestart and createRuntime hooks, in order, as
// the OCI runtime spec says: after the container process exists, before
// start, each given the container's state on its standard input (Docker's
// network comes from its libnetwork-setkey prestart hook).
func runHooks(spec *specs.Spec, st *state, pid int) error {
	if spec.Hooks == nil {
		return nil
	}
	stateJSON, err := json.Marshal(specs.State{Version: specs.Version, ID: st.ID, Status: specs.StateCreated, Pid: pid, Bundle: st.Bundle, Annotations: st.Annotations})
	if err != nil {
		return err
	}
	for _, h := range append(append([]specs.Hook{}, spec.Hooks.Prestart...), spec.Hooks.CreateRuntime...) {
		timeout := 30 * time.Second
		if h.Timeout != nil && *h.Timeout > 0 {
			timeout = time.Duration(*h.Timeout) * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		cmd := exec.CommandContext(ctx, h.Path)
		if len(h.Args) > 0 {
			cmd.Args = h.Args
		}
		cmd.Env = h.Env
		cmd.Stdin = bytes.NewReader(stateJSON)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			return fmt.Errorf("the prestart hook %s failed: %v: %s", h.Path, err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// startInit starts the container process with the container's stdio and
// waits for its "ok". It runs in a new network namespace (newNet) or in
// the one at netnsPath.
func (r *runtime) startInit(id string, newNet bool, netnsPath string, stdio Stdio) (int, error) {
	rd, wr, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	args := append(append([]string{}, r.self[1:]...), "--root", r.root, "--log", r.log, "--log-format", r.logFormat, InitArg, id)
	cmd := exec.Command(r.self[0], args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.In, stdio.Out, stdio.Err
	cmd.ExtraFiles = []*os.File{wr}
	cmd.Dir = r.dir(id)
	// A mount namespace of its own, always: for QEMU's view (jail.go) and
	// a sysfs of the container's network namespace.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Cloneflags: syscall.CLONE_NEWNS}
	if newNet {
		// The container's network namespace: the engine's prestart hook
		// moves the container's interface into it; QEMU runs in it.
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET | syscall.CLONE_NEWNS
	}
	if netnsPath != "" {
		err = startIn(netnsPath, cmd)
	} else {
		err = cmd.Start()
	}
	wr.Close()
	if err != nil {
		return 0, fmt.Errorf("cannot start the container process: %w", err)
	}
	line, _ := io.ReadAll(io.LimitReader(rd, 64<<10))
	msg := strings.TrimSpace(string(line))
	switch {
	case msg == "ok":
		pid := cmd.Process.Pid
		cmd.Process.Release() // the engine's shim reaps it: it is the container
		return pid, nil
	case strings.HasPrefix(msg, "error: "):
		cmd.Wait()
		return 0, errors.New(strings.TrimPrefix(msg, "error: "))
	}
	cmd.Wait()
	return 0, fmt.Errorf("the container process ended before it was ready%s", colon(msg))
}

func colon(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// start lets the container process boot the VM.
func (r *runtime) start(id string) error {
	st, err := r.load(id)
	if err != nil {
		return err
	}
	if s := r.status(st); s != "created" {
		return fmt.Errorf("container %s is %s, not created", id, s)
	}
	p := filepath.Join(r.dir(id), execFifo)
	f, err := os.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Read(make([]byte, 1)); err != nil {
		return fmt.Errorf("the container process of %s did not take the start: %v", id, err)
	}
	return os.Remove(p)
}

func (r *runtime) printState(id string) error {
	st, err := r.load(id)
	if err != nil {
		return err
	}
	status := r.status(st)
	pid := st.Init.Pid
	if status == "stopped" {
		pid = 0
	}
	out := specs.State{Version: specs.Version, ID: st.ID, Status: specs.ContainerState(status), Pid: pid, Bundle: st.Bundle, Annotations: st.Annotations}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

// kill sends a signal to the container process, which hands it to the app
// (SIGKILL ends the container process and the VM with it).
func (r *runtime) kill(args []string) error {
	f := flag.NewFlagSet("kill", flag.ContinueOnError)
	f.SetOutput(io.Discard)
	f.Bool("all", false, "")
	f.Bool("a", false, "")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() < 1 || f.NArg() > 2 {
		return errors.New("kill: give ID [SIGNAL]")
	}
	sig := syscall.SIGTERM
	if f.NArg() == 2 {
		s, err := parseSignal(f.Arg(1))
		if err != nil {
			return err
		}
		sig = s
	}
	st, err := r.load(f.Arg(0))
	if err != nil {
		return err
	}
	if s := r.status(st); s != "created" && s != "running" {
		return fmt.Errorf("container %s is not running", st.ID)
	}
	return syscall.Kill(st.Init.Pid, sig)
}

func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	if sig := unix.SignalNum("SIG" + strings.TrimPrefix(strings.ToUpper(s), "SIG")); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// delete removes a stopped container's state; with --force a running one
// is killed first.
func (r *runtime) delete(args []string) error {
	f := flag.NewFlagSet("delete", flag.ContinueOnError)
	f.SetOutput(io.Discard)
	force := f.Bool("force", false, "")
	f.BoolVar(force, "f", false, "")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return errors.New("delete: give one container ID")
	}
	st, err := r.load(f.Arg(0))
	if err != nil {
		if *force && strings.Contains(err.Error(), "does not exist") {
			return nil
		}
		return err
	}
	if st.Paused {
		if cg, err := LoadCgroup(st.Cgroup); err == nil {
			cg.Thaw() // a frozen process takes no SIGKILL until thawed
		}
	}
	if s := r.status(st); s == "running" || s == "paused" || s == "created" {
		if !*force && s != "created" {
			return fmt.Errorf("container %s is running: stop it first, or delete --force", st.ID)
		}
		syscall.Kill(st.Init.Pid, syscall.SIGKILL)
		for i := 0; i < 100 && st.Init.Alive(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := DeleteCgroup(st.Cgroup); err != nil {
		fmt.Fprintf(os.Stderr, "unigo: removing the container's cgroup: %v\n", err)
	}
	return os.RemoveAll(r.dir(st.ID))
}

// pause freezes a running container's cgroup (the container process and
// QEMU), as runc does, or thaws it (resume).
func (r *runtime) pause(args []string, freeze bool) error {
	verb := map[bool]string{true: "pause", false: "resume"}[freeze]
	f := flag.NewFlagSet(verb, flag.ContinueOnError)
	f.SetOutput(io.Discard)
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return fmt.Errorf("%s: give one container ID (got %q)", verb, args)
	}
	st, err := r.load(f.Arg(0))
	if err != nil {
		return err
	}
	want := map[bool]string{true: "running", false: "paused"}[freeze]
	if s := r.status(st); s != want {
		return fmt.Errorf("%s: container %s is %s, not %s", verb, st.ID, s, want)
	}
	if st.Cgroup == "" {
		return fmt.Errorf("%s: container %s has no cgroup of its own to freeze (its spec names none, or it could not be made)", verb, st.ID)
	}
	cg, err := LoadCgroup(st.Cgroup)
	if err != nil {
		return err
	}
	if freeze {
		err = cg.Freeze()
	} else {
		err = cg.Thaw()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	st.Paused = freeze
	return r.save(st)
}

func (r *runtime) ps(args []string) error {
	f := flag.NewFlagSet("ps", flag.ContinueOnError)
	f.SetOutput(io.Discard)
	format := f.String("format", "table", "")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() < 1 {
		return errors.New("ps: give a container ID")
	}
	st, err := r.load(f.Arg(0))
	if err != nil {
		return err
	}
	pids := []int{}
	if s := r.status(st); s == "running" || s == "created" {
		pids = append(pids, st.Init.Pid)
	}
	if *format == "json" {
		b, _ := json.Marshal(pids)
		fmt.Println(string(b))
		return nil
	}
	fmt.Println("PID")
	for _, p := range pids {
		fmt.Println(p)
	}
	return nil
}

// features says what this runtime takes (runc features), for engines that
// ask.
func (r *runtime) features() error {
	b, _ := json.MarshalIndent(map[string]any{
		"ociVersionMin": "1.0.0",
		"ociVersionMax": specs.Version,
		"hooks":         []string{},
		"mountOptions":  []string{},
		"annotations":   map[string]string{"dev.unigo.runtime": "boots the unigo image at /.unigo/kernel of the root file system as a VM"},
	}, "", "  ")
	fmt.Println(string(b))
	return nil
}
