package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/vmm"
)

// compareEnv is what the subjects of one compare run share: the machine,
// the helper, host facts learnt once, and what to clean up at the end.
type compareEnv struct {
	cfg      *CompareConfig
	dir      string // artifacts
	progress func(string, ...any)

	m         machine
	noQEMU    string // why no VM can run, if none can
	tscKHz    int
	tscSource string

	cleanups []func()

	helperOnce sync.Once
	helper     string
	helperErr  error

	hostOnce  sync.Once
	hostCount int
	hostErr   error

	servers map[string]bootSpec // with --http: the VM subjects that serve, before their card (sameNetwork)

	linuxOnce  sync.Once
	linuxPrep  preparer
	linuxCount Metric
	linuxDone  bool
}

func (e *compareEnv) cleanup() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

func (e *compareEnv) helperBinary(ctx context.Context) (string, error) {
	e.helperOnce.Do(func() { e.helper, e.helperErr = buildHelper(ctx, e.dir) })
	return e.helper, e.helperErr
}

// hostSyscalls counts the host kernel's system calls once.
func (e *compareEnv) hostSyscalls(ctx context.Context) (int, error) {
	e.hostOnce.Do(func() {
		h, err := e.helperBinary(ctx)
		if err != nil {
			e.hostErr = err
			return
		}
		e.hostCount, e.hostErr = hostSyscalls(ctx, h)
	})
	return e.hostCount, e.hostErr
}

// contender is one way of running an app.
type contender struct {
	label    string // replaces the default label
	naWhy    string // set when this way cannot run on this machine
	prepare  func(ctx context.Context, app *goApp) (*runnable, error)
	surface  func(r *ContenderResult, a *runnable)            // executables and shell: what the artifact holds
	syscalls func(ctx context.Context, idle *instance) Metric // idle may be nil
}

// runnable is an app made ready to run one way.
type runnable struct {
	how       string
	parts     []part // its files; the counted ones add up to its size
	sizeBytes int64  // its size, when it is not the sum of parts (a container image)
	sizeNote  string
	command   []string
	notes     []string
	files     []artifactFile // the file tree inside the artifact
	filesErr  error
	memory    *memorySearch // how to limit its memory
	memoryNA  string        // why it cannot be limited, when memory is nil
	noNetwork string        // why it cannot serve HTTP, if it cannot
	start     func(ctx context.Context, o runOpts) (*instance, error)
}

func (a *runnable) size() Metric {
	n := a.sizeBytes
	if n == 0 {
		for _, p := range a.parts {
			if p.Counted {
				n += p.Bytes
			}
		}
	}
	if n <= 0 {
		return naMetric("bytes", "n/a: no size known")
	}
	m := valueMetric("bytes", float64(n))
	m.Note = a.sizeNote
	return m
}

// runOpts are the settings of one start.
type runOpts struct {
	memMiB int // memory limit in MiB; 0: the default
	port   int // the app's HTTP port; 0: none
}

// instance is one running copy of the app.
type instance struct {
	*watched
	addr     string                        // host address of the app's HTTP port
	procs    func() ([]int, string, error) // the host processes that make it up, and what they are
	appPID   func() (int, error)           // the app's own process on the host (not for VMs)
	stopFn   func()                        // ends what kill alone would leave (a container)
	after    func()                        // cleans up once it has ended
	stopOnce sync.Once
}

// stop ends the instance and everything it started, and waits.
func (i *instance) stop() {
	i.stopOnce.Do(func() {
		if i.stopFn != nil {
			i.stopFn()
		}
		i.kill()
		if i.after != nil {
			i.after()
		}
	})
}

// rss returns the summed resident memory of the instance's processes.
func (i *instance) rss() (int64, string, error) {
	pids, what, err := i.procs()
	if err != nil {
		return 0, "", err
	}
	var sum int64
	for _, p := range pids {
		n, err := procRSS(p)
		if err != nil {
			return 0, "", err
		}
		sum += n
	}
	return sum, what, nil
}

// freePort returns a loopback TCP port that is free now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// contender returns the way of running named key.
func (e *compareEnv) contender(ctx context.Context, key string) contender {
	switch key {
	case Native:
		return e.native()
	case Container:
		return e.container(ctx)
	case Linux:
		return e.linux()
	}
	return e.unigo()
}

// native runs the plain binary as a host process.
func (e *compareEnv) native() contender {
	return contender{
		prepare: func(ctx context.Context, app *goApp) (*runnable, error) {
			a := &runnable{
				how:     "the plain static `go build` (CGO_ENABLED=0) as a process of the host",
				command: []string{app.Binary},
				parts:   []part{{Name: "binary", Path: app.Binary, Bytes: app.Size, Counted: true}},
				memory:  &memorySearch{Limit: "memory cgroup limit", Lo: 1, LoWhy: "the search works in whole MiB; the cgroup counts the app's own pages, not the binary's page cache, which the host has already charged elsewhere"},
			}
			helper, err := e.helperBinary(ctx)
			if _, _, cerr := cgroupRoot(); cerr != nil || err != nil {
				a.memory, a.memoryNA = nil, fmt.Sprintf("n/a: a native process is limited through a memory cgroup: %v", errors.Join(cerr, err))
			}
			a.start = func(ctx context.Context, o runOpts) (*instance, error) {
				cmd := exec.CommandContext(ctx, app.Binary)
				var cg *memCgroup
				if o.memMiB > 0 {
					var err error
					if cg, err = newMemCgroup(o.memMiB); err != nil {
						return nil, err
					}
					cmd = exec.CommandContext(ctx, helper, "cgexec", cg.procs(), app.Binary)
				}
				cmd.Dir = os.TempDir()
				cmd.Env = os.Environ()
				if o.port > 0 {
					cmd.Env = append(cmd.Env, fmt.Sprintf("PORT=%d", o.port))
				}
				w := newWatched(cmd, lineMatcher(app.Line))
				cmd.Stdout, cmd.Stderr = w.console(), w.console()
				if err := w.start(); err != nil {
					if cg != nil {
						cg.remove()
					}
					return nil, err
				}
				pid := w.pid()
				inst := &instance{watched: w, addr: fmt.Sprintf("127.0.0.1:%d", o.port),
					procs:  func() ([]int, string, error) { return []int{pid}, "the app's process", nil },
					appPID: func() (int, error) { return pid, nil }}
				if cg != nil {
					inst.after = cg.remove
				}
				return inst, nil
			}
			return a, nil
		},
		surface: func(r *ContenderResult, a *runnable) {
			r.Executables = valueMetric("files", 1)
			r.Executables.Note = "the artifact is the binary itself; the host's own programs are outside it (but see shell)"
			if _, err := os.Stat("/bin/sh"); err == nil {
				r.Shell = boolMetric(true, "the host's /bin/sh: a host process can execve every program of the host")
			} else {
				r.Shell = boolMetric(false, "the host has no /bin/sh")
			}
		},
		syscalls: func(ctx context.Context, idle *instance) Metric {
			return e.processSyscalls(ctx, idle, os.Getpid())
		},
	}
}

// processSyscalls is the syscall count of a host process (the idle
// instance's app, or fallback, a process it would inherit its filter from).
func (e *compareEnv) processSyscalls(ctx context.Context, idle *instance, fallback int) Metric {
	host, err := e.hostSyscalls(ctx)
	pid := fallback
	if idle != nil && idle.appPID != nil && idle.running() {
		if p, perr := idle.appPID(); perr == nil {
			pid = p
		}
	}
	return hostProcessSyscalls(ctx, host, err, pid)
}

// vmInstance starts spec in QEMU.
func (e *compareEnv) vmInstance(ctx context.Context, spec bootSpec, o runOpts, addr string) (*instance, error) {
	mem := o.memMiB
	if mem == 0 {
		mem = e.cfg.MemMiB
	}
	w, err := e.m.start(ctx, spec, mem)
	if err != nil {
		return nil, err
	}
	pid := w.pid()
	return &instance{watched: w, addr: addr,
		procs: func() ([]int, string, error) { return []int{pid}, "the QEMU process", nil }}, nil
}

// publishedCard is the network card `unigo run -p 127.0.0.1:HOST:GUEST`
// gives a VM (hostnet parses the option and makes the card, vmm.QEMU.Args
// turns it into -netdev user,hostfwd=… and the machine's virtio-net
// device), so that the Linux baseline and unigo get the same one.
func publishedCard(hostPort, guestPort int) (*vmm.NetSpec, error) {
	f, err := hostnet.ParsePublish(fmt.Sprintf("127.0.0.1:%d:%d", hostPort, guestPort))
	if err != nil {
		return nil, err
	}
	return hostnet.Card([]vmm.Forward{f}, hostnet.Options{Mode: hostnet.ModeUser})
}

// vmStart returns the start function of a VM subject booting spec: with a
// port, the VM gets the benchmark's card (vmCard).
func (e *compareEnv) vmStart(spec bootSpec) func(ctx context.Context, o runOpts) (*instance, error) {
	return func(ctx context.Context, o runOpts) (*instance, error) {
		s, addr := spec, ""
		if o.port > 0 {
			var err error
			if s.Net, addr, err = e.vmCard(o.port); err != nil {
				return nil, err
			}
		}
		return e.vmInstance(ctx, s, o, addr)
	}
}

// vmCard is the network card of a VM serving on guestPort and the address
// the load reaches it at (card), on a free loopback port where the card
// forwards one.
func (e *compareEnv) vmCard(guestPort int) (*vmm.NetSpec, string, error) {
	hostPort := 0
	if e.cfg.Tap == "" {
		var err error
		if hostPort, err = freePort(); err != nil {
			return nil, "", err
		}
	}
	return e.card(hostPort, guestPort)
}

// card is the benchmark's network card for a VM serving on guestPort, and
// the address the load reaches it at: by default the card `unigo run -p`
// gives it, hostPort on the loopback forwarded (publishedCard); with --net
// tap:NAME the card `unigo run --net tap:NAME --ip ADDR` gives it
// (tapCard), reached at ADDR itself (hostPort unused).
func (e *compareEnv) card(hostPort, guestPort int) (*vmm.NetSpec, string, error) {
	if e.cfg.Tap != "" {
		n, err := tapCard(e.cfg.Tap, e.cfg.GuestIP)
		if err != nil {
			return nil, "", err
		}
		return n, net.JoinHostPort(n.Guest.Addr.Addr().String(), strconv.Itoa(guestPort)), nil
	}
	n, err := publishedCard(hostPort, guestPort)
	return n, fmt.Sprintf("127.0.0.1:%d", hostPort), err
}

// tapCard is the card `unigo run --net tap:NAME --ip ADDR/PREFIX` gives a
// VM: QEMU's tap backend on the host's device NAME and the guest's static
// address (kernel tokens, which the Linux baseline's helper reads too).
func tapCard(name, addr string) (*vmm.NetSpec, error) {
	return hostnet.Card(nil, hostnet.Options{Mode: hostnet.ModeTap, Tap: name, IP: addr})
}

// linux runs the app as /init of Debian's cloud kernel.
func (e *compareEnv) linux() contender {
	c := contender{naWhy: e.noQEMU}
	c.prepare = func(ctx context.Context, app *goApp) (*runnable, error) {
		e.linuxOnce.Do(func() { e.linuxPrep = linuxPreparer(e.cfg.LinuxCacheDir, e.tscKHz, e.tscSource) })
		p, err := e.linuxPrep(ctx, app, e.dir)
		if err != nil {
			return nil, err
		}
		spec := p.spec
		a := &runnable{how: p.how, parts: p.parts, notes: p.notes,
			memory: &memorySearch{Limit: "-m", Lo: 1}}
		if e.cfg.HTTPPort > 0 {
			if spec.Initrd, err = e.linuxNetInitramfs(ctx, app); err != nil {
				a.noNetwork = "the Linux guest's network could not be prepared: " + err.Error()
			} else {
				a.how += "; with a virtio-net device on " + netName(e.cfg) + ", the drivers and a network-setup /init (the benchmark's helper) that then executes the app"
				for i := range a.parts {
					if a.parts[i].Name == "initramfs" {
						fi, err := os.Stat(spec.Initrd)
						if err != nil {
							return nil, err
						}
						a.parts[i].Path, a.parts[i].Bytes = spec.Initrd, fi.Size()
					}
				}
				spec.Cmdline.Tokens = append(spec.Cmdline.Tokens, fmt.Sprintf("PORT=%d", e.cfg.HTTPPort))
			}
		}
		a.command = e.m.commandLine(spec, e.cfg.MemMiB)
		a.files, a.filesErr = initramfsFiles(spec.Initrd)
		a.start = e.vmStart(spec)
		if e.cfg.HTTPPort > 0 && a.noNetwork == "" {
			e.servers[Linux] = spec
		}
		return a, nil
	}
	c.surface = filesSurface("the initramfs (the kernel's built-in one holds only /dev/console and /root)")
	c.syscalls = func(ctx context.Context, _ *instance) Metric {
		if !e.linuxDone {
			e.linuxCount, e.linuxDone = e.linuxSyscalls(ctx), true
		}
		return e.linuxCount
	}
	return c
}

// linuxNetInitramfs writes the initramfs of the Linux baseline with a
// network: the helper as /init, the app as /app, the virtio-net drivers.
func (e *compareEnv) linuxNetInitramfs(ctx context.Context, app *goApp) (string, error) {
	k, err := linuxvm.Fetch(ctx, e.cfg.LinuxCacheDir)
	if err != nil {
		return "", err
	}
	mods, err := k.NetModules(ctx)
	if err != nil {
		return "", err
	}
	helper, err := e.helperBinary(ctx)
	if err != nil {
		return "", err
	}
	files := []linuxvm.File{{Name: "init", Path: helper, Perm: 0o755}, {Name: "app", Path: app.Binary, Perm: 0o755}}
	for _, m := range mods {
		files = append(files, linuxvm.File{Name: "modules/" + filepath.Base(m), Path: m, Perm: 0o644})
	}
	out := filepath.Join(e.dir, app.Name+".net.initramfs.cpio")
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if err := linuxvm.WriteInitramfsFiles(f, files); err != nil {
		f.Close()
		return "", err
	}
	return out, f.Close()
}

// linuxSyscalls boots the Linux baseline with the helper as /init and
// reads how many system calls the guest kernel has compiled in.
func (e *compareEnv) linuxSyscalls(ctx context.Context) Metric {
	helper, err := e.helperBinary(ctx)
	if err != nil {
		return naMetric("calls", "n/a: %v", err)
	}
	h := &goApp{Binary: helper, Name: "syscalls-probe", Line: "-"}
	e.linuxOnce.Do(func() { e.linuxPrep = linuxPreparer(e.cfg.LinuxCacheDir, e.tscKHz, e.tscSource) })
	p, err := e.linuxPrep(ctx, h, e.dir)
	if err != nil {
		return naMetric("calls", "n/a: %v", err)
	}
	spec := p.spec
	spec.Match = func(s string) bool { _, ok := parseSyscallsLine(s); return ok }
	w, err := e.m.start(ctx, spec, e.cfg.MemMiB)
	if err != nil {
		return naMetric("calls", "n/a: %v", err)
	}
	defer w.kill()
	if _, err := w.waitLine(e.cfg.Timeout); err != nil {
		return naMetric("calls", "n/a: the guest's count: %v", err)
	}
	n, _ := parseSyscallsLine(w.line())
	m := valueMetric("calls", float64(n))
	m.Note = "system calls the guest kernel has compiled in (its sys_enter tracepoints in tracefs, read by a probe booted as /init); the app runs as /init without a seccomp filter"
	return m
}

// unigo runs the app's unigo image in QEMU.
func (e *compareEnv) unigo() contender {
	prep := unigoPreparer(e.cfg.Build)
	return contender{
		naWhy: e.noQEMU,
		prepare: func(ctx context.Context, app *goApp) (*runnable, error) {
			p, err := prep(ctx, app, e.dir)
			if err != nil {
				return nil, err
			}
			spec := p.spec
			if e.cfg.HTTPPort > 0 {
				spec.Cmdline.Env = append(spec.Cmdline.Env, fmt.Sprintf("PORT=%d", e.cfg.HTTPPort))
			}
			a := &runnable{how: p.how, parts: p.parts, notes: p.notes,
				command: e.m.commandLine(spec, e.cfg.MemMiB),
				memory:  &memorySearch{Limit: "-m", Lo: 1}}
			if e.cfg.HTTPPort > 0 {
				a.how += "; with the network card of `unigo run -p`"
				e.servers[Unigo] = spec
			}
			a.files, a.filesErr = unigoFiles(spec.Kernel)
			a.start = e.vmStart(spec)
			return a, nil
		},
		surface: func(r *ContenderResult, a *runnable) {
			r.Syscalls = unigoSyscalls()
			if a.files == nil && a.filesErr == nil {
				r.Executables = valueMetric("files", 0)
				r.Executables.Note = "the image is the one program and carries no file system: there is no file to execute"
				r.Shell = boolMetric(false, "no shell")
			} else {
				filesSurface("the image's root file system")(r, a)
			}
			if r.Executables.OK() {
				r.Executables.Note += " (and the kernel refuses execve)"
				r.Shell.Note += ", and no execve to start one"
			}
		},
		syscalls: func(context.Context, *instance) Metric { return unigoSyscalls() },
	}
}
