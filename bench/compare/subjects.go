package compare

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
)

// env is what the subjects of one compare run share: the machine, the
// Linux baseline, the helper, host facts learnt once, and what to clean up
// at the end.
type env struct {
	cfg      *Config
	dir      string // artifacts
	progress func(string, ...any)

	m      harness.Machine
	noQEMU string // why no VM can run, if none can
	linux  *harness.LinuxBaseline

	cleanups []func()

	helperOnce sync.Once
	helper     string
	helperErr  error

	hostOnce  sync.Once
	hostCount int
	hostErr   error

	servers map[string]harness.VM // with --http: the VM subjects that serve, without their card (sameNetwork)

	linuxCount measure.Metric
	linuxDone  bool
}

func (e *env) cleanup() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

func (e *env) helperBinary(ctx context.Context) (string, error) {
	e.helperOnce.Do(func() { e.helper, e.helperErr = harness.BuildHelper(ctx, e.dir) })
	return e.helper, e.helperErr
}

// hostSyscalls counts the host kernel's system calls once.
func (e *env) hostSyscalls(ctx context.Context) (int, error) {
	e.hostOnce.Do(func() {
		h, err := e.helperBinary(ctx)
		if err != nil {
			e.hostErr = err
			return
		}
		e.hostCount, e.hostErr = harness.HostSyscalls(ctx, h)
	})
	return e.hostCount, e.hostErr
}

// artifact is a subject's artifact for one app with what the benchmark
// measures of it.
type artifact struct {
	harness.Artifact
	sizeBytes  int64 // its size, when it is not the sum of its parts (a container image)
	sizeNote   string
	command    []string
	entries    []entry // the file tree inside the artifact
	entriesErr error
	memory     *measure.MemorySearch // how to limit its memory
	memoryNA   string                // why it cannot be limited, when memory is nil
	noNetwork  string                // why it cannot serve HTTP, if it cannot
	// start starts the app with its memory limited to memMiB (0: the
	// default) and, with a port, serving HTTP there (its address in
	// Watched.Addr).
	start func(ctx context.Context, memMiB, port int) (*harness.Watched, error)
}

func (a *artifact) size() measure.Metric {
	n := a.sizeBytes
	if n == 0 {
		n = a.Bytes()
	}
	if n <= 0 {
		return measure.NA("bytes", "n/a: no size known")
	}
	m := measure.Value("bytes", float64(n))
	m.Note = a.sizeNote
	return m
}

// subject returns the subject named key, ready to prepare its artifact
// (or n/a, when it cannot run on this machine).
func (e *env) subject(ctx context.Context, key string) *Subject {
	s := &Subject{Key: key, Label: harness.Labels[key]}
	switch key {
	case harness.Native:
		e.native(s)
	case harness.Container:
		e.container(ctx, s)
	case harness.Linux:
		e.linuxVM(s)
	case harness.UnigoExec:
		e.unigo(s, harness.ExecImage)
	default:
		e.unigo(s, func(ctx context.Context, app *harness.App, dir string) (*harness.Artifact, error) {
			return harness.UnigoImage(ctx, e.cfg.Build, app, dir)
		})
	}
	return s
}

// native runs the plain binary as a host process.
func (e *env) native(s *Subject) {
	s.prepare = func(ctx context.Context, app *harness.App) (*artifact, error) {
		a := &artifact{
			Artifact: harness.Artifact{
				How:   "the plain static `go build` (CGO_ENABLED=0) as a process of the host",
				Parts: []harness.Part{{Name: "binary", Path: app.Binary, Bytes: app.Size, Counted: true}},
			},
			command: []string{app.Binary},
			memory:  &measure.MemorySearch{Limit: "memory cgroup limit", Lo: 1, LoWhy: "the search works in whole MiB; the cgroup counts the app's own pages, not the binary's page cache, which the host has already charged elsewhere"},
		}
		helper, err := e.helperBinary(ctx)
		if _, _, cerr := harness.CgroupRoot(); cerr != nil || err != nil {
			a.memory, a.memoryNA = nil, fmt.Sprintf("n/a: a native process is limited through a memory cgroup: %v", errors.Join(cerr, err))
		}
		p := harness.Process{Binary: app.Binary, Dir: os.TempDir(), Match: harness.LineMatcher(app.Line), Helper: helper}
		a.start = func(ctx context.Context, memMiB, port int) (*harness.Watched, error) {
			return p.Start(ctx, memMiB, port)
		}
		return a, nil
	}
	s.surface = func(s *Subject) {
		s.Executables = measure.Value("files", 1)
		s.Executables.Note = "the artifact is the binary itself; the host's own programs are outside it (but see shell)"
		if _, err := os.Stat("/bin/sh"); err == nil {
			s.Shell = measure.Bool(true, "the host's /bin/sh: a host process can execve every program of the host")
		} else {
			s.Shell = measure.Bool(false, "the host has no /bin/sh")
		}
	}
	s.syscalls = func(ctx context.Context, idle *harness.Watched) measure.Metric {
		return e.processSyscalls(ctx, idle, os.Getpid())
	}
}

// processSyscalls is the syscall count of a host process (the idle
// instance's app, or fallback, a process it would inherit its filter from).
func (e *env) processSyscalls(ctx context.Context, idle *harness.Watched, fallback int) measure.Metric {
	host, err := e.hostSyscalls(ctx)
	pid := fallback
	if idle != nil && idle.AppPID != nil && idle.Running() {
		if p, perr := idle.AppPID(); perr == nil {
			pid = p
		}
	}
	return hostProcessSyscalls(host, err, pid)
}

// vmStart returns the start function of a VM subject booting vm: with a
// port, the VM gets the benchmark's card (vmCard).
func (e *env) vmStart(vm harness.VM) func(ctx context.Context, memMiB, port int) (*harness.Watched, error) {
	return func(ctx context.Context, memMiB, port int) (*harness.Watched, error) {
		b, addr := harness.Boot{MemMiB: memMiB}, ""
		if b.MemMiB == 0 {
			b.MemMiB = e.cfg.MemMiB
		}
		if port > 0 {
			var err error
			if b.Net, addr, err = e.vmCard(port); err != nil {
				return nil, err
			}
		}
		w, err := e.m.Start(ctx, vm, b)
		if err != nil {
			return nil, err
		}
		w.Addr = addr
		return w, nil
	}
}

// vmCard is the network card of a VM serving on guestPort and the address
// the load reaches it at (card), on a free loopback port where the card
// forwards one.
func (e *env) vmCard(guestPort int) (*vmm.NetSpec, string, error) {
	hostPort := 0
	if e.cfg.Tap == "" {
		var err error
		if hostPort, err = harness.FreePort(); err != nil {
			return nil, "", err
		}
	}
	return e.card(hostPort, guestPort)
}

// card is the benchmark's network card for a VM serving on guestPort, and
// the address the load reaches it at: by default the card `unigo run -p`
// gives it, hostPort on the loopback forwarded (harness.PublishedCard); with --net
// tap:NAME the card `unigo run --net tap:NAME --ip ADDR` gives it
// (harness.TapCard), reached at ADDR itself (hostPort unused).
func (e *env) card(hostPort, guestPort int) (*vmm.NetSpec, string, error) {
	if e.cfg.Tap != "" {
		n, err := harness.TapCard(e.cfg.Tap, e.cfg.GuestIP)
		if err != nil {
			return nil, "", err
		}
		return n, net.JoinHostPort(n.Guest.Addr.Addr().String(), strconv.Itoa(guestPort)), nil
	}
	n, err := harness.PublishedCard(hostPort, guestPort)
	return n, fmt.Sprintf("127.0.0.1:%d", hostPort), err
}

// linuxVM runs the app as /init of Debian's cloud kernel.
func (e *env) linuxVM(s *Subject) {
	s.NAWhy = e.noQEMU
	s.prepare = func(ctx context.Context, app *harness.App) (*artifact, error) {
		base, err := e.linux.Artifact(ctx, app, e.dir)
		if err != nil {
			return nil, err
		}
		vm := *base.VM
		a := &artifact{Artifact: *base, memory: &measure.MemorySearch{Limit: "-m", Lo: 1}}
		if e.cfg.HTTPPort > 0 {
			if vm.Spec.Initrd, err = e.linuxNetInitramfs(ctx, app); err != nil {
				vm.Spec.Initrd, a.noNetwork = base.VM.Spec.Initrd, "the Linux guest's network could not be prepared: "+err.Error()
			} else {
				a.How += "; with a virtio-net device on " + netName(e.cfg) + ", the drivers and a network-setup /init (the benchmark's helper) that then executes the app"
				for i := range a.Parts {
					if a.Parts[i].Name == "initramfs" {
						fi, err := os.Stat(vm.Spec.Initrd)
						if err != nil {
							return nil, err
						}
						a.Parts[i].Path, a.Parts[i].Bytes = vm.Spec.Initrd, fi.Size()
					}
				}
				vm.Spec.Cmdline.Tokens = append(slices.Clip(vm.Spec.Cmdline.Tokens), fmt.Sprintf("PORT=%d", e.cfg.HTTPPort))
			}
		}
		a.VM = &vm
		a.command = e.m.CommandLine(ctx, vm, harness.Boot{MemMiB: e.cfg.MemMiB})
		a.entries, a.entriesErr = initramfsEntries(vm.Spec.Initrd)
		a.start = e.vmStart(vm)
		if e.cfg.HTTPPort > 0 && a.noNetwork == "" {
			e.servers[harness.Linux] = vm
		}
		return a, nil
	}
	s.surface = entriesSurface("the initramfs (the kernel's built-in one holds only /dev/console and /root)")
	s.syscalls = func(ctx context.Context, _ *harness.Watched) measure.Metric {
		if !e.linuxDone {
			e.linuxCount, e.linuxDone = e.linuxSyscalls(ctx), true
		}
		return e.linuxCount
	}
}

// linuxNetInitramfs writes the initramfs of the Linux baseline with a
// network: the helper as /init, the app as /app, the virtio-net drivers.
func (e *env) linuxNetInitramfs(ctx context.Context, app *harness.App) (string, error) {
	k, err := e.linux.Kernel(ctx)
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
	out := filepath.Join(e.dir, app.Name+".net.initramfs.cpio")
	return out, harness.HelperInitramfs(out, helper, app, mods)
}

// linuxSyscalls boots the Linux baseline with the helper as /init and
// reads how many system calls the guest kernel has compiled in.
func (e *env) linuxSyscalls(ctx context.Context) measure.Metric {
	helper, err := e.helperBinary(ctx)
	if err != nil {
		return measure.NA("calls", "n/a: %v", err)
	}
	h := &harness.App{Binary: helper, Name: "syscalls-probe", Line: "-"}
	a, err := e.linux.Artifact(ctx, h, e.dir)
	if err != nil {
		return measure.NA("calls", "n/a: %v", err)
	}
	vm := *a.VM
	vm.Match = func(s string) bool { _, ok := harness.ParseSyscallsLine(s); return ok }
	w, err := e.m.Start(ctx, vm, harness.Boot{MemMiB: e.cfg.MemMiB})
	if err != nil {
		return measure.NA("calls", "n/a: %v", err)
	}
	defer w.Stop()
	if _, err := w.WaitLine(e.cfg.Timeout); err != nil {
		return measure.NA("calls", "n/a: the guest's count: %v", err)
	}
	n, _ := harness.ParseSyscallsLine(w.Line())
	m := measure.Value("calls", float64(n))
	m.Note = "system calls the guest kernel has compiled in (its sys_enter tracepoints in tracefs, read by a probe booted as /init); the app runs as /init without a seccomp filter"
	return m
}

// unigo runs a unigo image of the app made by image (the linked one,
// harness.UnigoImage, or the plain binary's, harness.ExecImage), through
// the launch layer.
func (e *env) unigo(s *Subject, image func(ctx context.Context, app *harness.App, dir string) (*harness.Artifact, error)) {
	s.NAWhy = e.noQEMU
	s.prepare = func(ctx context.Context, app *harness.App) (*artifact, error) {
		base, err := image(ctx, app, e.dir)
		if err != nil {
			return nil, err
		}
		vm := *base.VM
		if e.cfg.HTTPPort > 0 {
			vm = vm.WithUnigo(func(c *launch.Config) { c.Env = append(c.Env, fmt.Sprintf("PORT=%d", e.cfg.HTTPPort)) })
		}
		a := &artifact{Artifact: *base, command: e.m.CommandLine(ctx, vm, harness.Boot{MemMiB: e.cfg.MemMiB}),
			memory: &measure.MemorySearch{Limit: "-m", Lo: 1}}
		a.VM = &vm
		if e.cfg.HTTPPort > 0 {
			a.How += "; with the network card of `unigo run -p`"
			e.servers[s.Key] = vm
		}
		a.entries, a.entriesErr = unigoEntries(vm.Unigo.Image)
		a.start = e.vmStart(vm)
		return a, nil
	}
	s.surface = func(s *Subject) {
		s.Syscalls = unigoSyscalls()
		if s.art.entries == nil && s.art.entriesErr == nil {
			s.Executables = measure.Value("files", 0)
			s.Executables.Note = "the image is the one program and carries no file system: there is no file to execute"
			s.Shell = measure.Bool(false, "no shell")
		} else {
			entriesSurface("the image's root file system")(s)
		}
		if s.Executables.OK() {
			s.Executables.Note += " (and the kernel refuses execve)"
			s.Shell.Note += ", and no execve to start one"
		}
	}
	s.syscalls = func(context.Context, *harness.Watched) measure.Metric { return unigoSyscalls() }
}
