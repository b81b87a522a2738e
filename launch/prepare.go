package launch

import (
	"context"
	"fmt"
	"io"
	"strings"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/vmm"
	_ "unigo.dev/unigo/vmm/qemu" // the VMMs this unigo has register themselves
	"unigo.dev/unigo/volume"
)

// Env is where a launch happens: the unigo root and where to report.
type Env struct {
	Root string // the unigo root, with the image store and the volumes (store.DefaultRoot)
	// Verbose, when set, receives a package build's steps and what the VMM
	// decides and runs (the accelerator, its command line).
	Verbose io.Writer
}

// A Launch is a configuration made ready to boot: its image found, its
// defaults merged, the VM's spec, and what is held for the VM (volume
// leases, a temporary image) until Release.
type Launch struct {
	Config Config   // the configuration with the image's defaults merged and its ID pinned
	Image  *Image   // what boots
	VMM    vmm.VMM  // the VMM that boots it
	Spec   vmm.Spec // the VM; the caller sets where its output goes (Stdout, Stderr)

	release func()
}

// Start boots the VM. It is stopped when ctx is done.
func (l *Launch) Start(ctx context.Context) (vmm.VM, error) { return l.VMM.Start(ctx, l.Spec) }

// Release gives up what the launch held: the volumes' leases (call it once
// the VM has ended) and a temporary image.
func (l *Launch) Release() {
	if l.release != nil {
		l.release()
		l.release = nil
	}
	l.Image.Close()
}

// Prepare makes cfg ready to boot: Resolve, then the VM's spec, with the
// volumes attached and leased, and the VMM found by name.
func Prepare(ctx context.Context, env Env, cfg Config) (*Launch, error) {
	cfg, img, card, err := resolve(ctx, env, cfg)
	if err != nil {
		return nil, err
	}
	l := &Launch{Config: cfg, Image: img}
	if l.VMM, err = vmm.Lookup(cfg.VMM); err != nil {
		l.Release()
		return nil, err
	}
	disks, shares, release, err := volume.Attach(cfg.Volumes)
	if err != nil {
		l.Release()
		return nil, err
	}
	l.release = release
	l.Spec = vmm.Spec{
		Image:   img.Path,
		Memory:  cfg.Memory,
		Cmdline: cfg.cmdline(),
		Disks:   disks,
		Shares:  shares,
		Net:     card,
		Options: cfg.vmmOptions(),
		Verbose: env.Verbose,
	}
	return l, nil
}

// Resolve checks cfg, finds its image (building a package) and returns the
// configuration with the image's defaults merged and its store ID pinned.
// What is wrong in the configuration itself (a flag, a busy port, a missing
// tap device) is reported before anything is built. Close the image when
// done with it.
func Resolve(ctx context.Context, env Env, cfg Config) (Config, *Image, error) {
	cfg, img, _, err := resolve(ctx, env, cfg)
	return cfg, img, err
}

// resolve is Resolve, also returning the network card the check made.
func resolve(ctx context.Context, env Env, cfg Config) (Config, *Image, *vmm.NetSpec, error) {
	card, err := cfg.check()
	if err != nil {
		return cfg, nil, nil, err
	}
	img, err := resolveImage(ctx, env, cfg)
	if err != nil {
		return cfg, nil, nil, err
	}
	merged, err := cfg.withDefaults(env, img)
	if err == nil {
		err = merged.cmdline().Validate()
	}
	if err != nil {
		img.Close()
		return cfg, nil, nil, err
	}
	return merged, img, card, nil
}

// SetNetwork gives the prepared VM the network o, checked as Prepare checks
// one: for a network that exists only once the VM is about to start (a
// container's, whose interface the engine sets up after create).
func (l *Launch) SetNetwork(o *hostnet.Options) error {
	cfg := l.Config
	cfg.Network = o
	card, err := cfg.card()
	if err != nil {
		return err
	}
	l.Config, l.Spec.Net = cfg, card
	return nil
}

// check rejects a configuration that cannot boot whatever the image: bad
// kernel options or environment, a restart policy, or a network that is
// not ready (published ports taken, a tap device missing); it returns the
// VM's network card.
func (c Config) check() (*vmm.NetSpec, error) {
	if err := (vmm.Cmdline{Env: c.Env, Tokens: c.KernelOpts, Tmpfs: c.Tmpfs, Cwd: c.WorkingDir}).Validate(); err != nil {
		return nil, err
	}
	if c.Memory < 0 {
		return nil, fmt.Errorf("memory %d: give a positive size", c.Memory)
	}
	switch c.Restart.Policy {
	case "", "no", "always", "on-failure":
	default:
		return nil, fmt.Errorf("restart policy %q: use no, always or on-failure", c.Restart.Policy)
	}
	if c.Restart.MaxRetries < 0 {
		return nil, fmt.Errorf("restart policy: %d retries: give a positive number", c.Restart.MaxRetries)
	}
	if err := hostnet.CheckFree(c.Publish); err != nil {
		return nil, err
	}
	return c.card()
}

// withDefaults merges the image's defaults into c: the app's name,
// arguments, memory and working directory when c has none; the environment, tmpfs directories
// and volumes added (a variable of c replaces the image's; an entry given
// in both counts once, so merging twice changes nothing).
func (c Config) withDefaults(env Env, img *Image) (Config, error) {
	def := img.Defaults
	if img.Stored != nil {
		c.ImageID = img.Stored.ID
	}
	if c.Argv0 == "" {
		c.Argv0 = img.Name
	}
	if len(c.Args) == 0 {
		c.Args = append([]string{}, def.Args...)
	}
	if c.Memory == 0 {
		c.Memory = def.Memory
	}
	if c.WorkingDir == "" {
		c.WorkingDir = def.WorkingDir
	}
	if len(c.Ports) == 0 {
		c.Ports = append([]string{}, def.Ports...)
	}
	c.Env = mergeEnv(def.Env, c.Env)
	if !hasVar(c.Env, "HOME") {
		c.Env = append(c.Env, "HOME=/") // as Docker sets it for a user without a home
	}
	c.Tmpfs = union(def.Tmpfs, c.Tmpfs)
	c.ReadOnly = c.ReadOnly || def.ReadOnly
	if len(def.Volumes) > 0 {
		vs := volume.Open(env.Root)
		var mounts []volume.Mount
		for _, s := range def.Volumes {
			m, err := vs.ParseMount(s)
			if err != nil {
				return c, fmt.Errorf("the image's volume %s: %w", s, err)
			}
			mounts = append(mounts, m)
		}
		c.Volumes = union(mounts, c.Volumes)
	}
	return c, nil
}

// cmdline is the app's command line.
func (c Config) cmdline() vmm.Cmdline {
	tokens := c.KernelOpts
	if c.ReadOnly {
		tokens = append(append([]string{}, tokens...), "root.ro")
	}
	return vmm.Cmdline{Args: append([]string{c.Argv0}, c.Args...), Env: c.Env, Tokens: tokens, Tmpfs: c.Tmpfs, Cwd: c.WorkingDir}
}

// hasVar reports whether env sets the variable key.
func hasVar(env []string, key string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

// mergeEnv is def with the variables of over added or replaced.
func mergeEnv(def, over []string) []string {
	out := append([]string{}, def...)
	for _, kv := range over {
		key, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, d := range out {
			if strings.HasPrefix(d, key+"=") {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// union is a followed by the elements of b that a does not have.
func union[T comparable](a, b []T) []T {
	out := append([]T{}, a...)
	for _, x := range b {
		found := false
		for _, y := range out {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}
