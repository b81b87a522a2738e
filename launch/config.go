// Package launch is the one way to start a unikernel: a serializable run
// configuration (Config) and Prepare, which turns it into a VM ready to
// boot. Prepare resolves the image (a file, an image of the store, or a
// package it builds), merges the image's defaults with the configuration,
// checks the network (published ports free, the tap device ready),
// attaches and leases the volumes, and looks the VMM up by name. Every
// front end goes through it: attached `unigo run`, an instance's monitor
// (`run -d`), `unigo test` and the benchmarks.
package launch

import (
	"fmt"
	"strconv"
	"strings"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/volume"
)

// Config is how to run an image: what the user asked, in a form that can be
// stored (an instance's state keeps it as its spec) and used again. Empty
// fields take the image's defaults; Env, Tmpfs and Volumes add to them.
type Config struct {
	// Image names what to boot: an image file (app.img), an image of the
	// store (NAME[:TAG] or an ID), or a package to build (./app,
	// example.com/app).
	Image string `json:"image"`
	// ImageID is the store image that Image meant when it was resolved;
	// once set, later boots use it whatever the name means then.
	ImageID string   `json:"imageId,omitempty"`
	Argv0   string   `json:"argv0,omitempty"`  // the app's os.Args[0]; "": the image's name
	Args    []string `json:"args,omitempty"`   // os.Args[1:]; none: the image's
	Env     []string `json:"env,omitempty"`    // KEY=VALUE, added to the image's or replacing them
	Memory  int64    `json:"memory,omitempty"` // guest memory in bytes; 0: the image's, else the VMM's default
	// WorkingDir is the directory the app starts in (absolute); "": the
	// image's, else /.
	WorkingDir string `json:"workingDir,omitempty"`

	VMM     string `json:"vmm,omitempty"`     // the VMM by name; "": vmm.DefaultVMM
	Machine string `json:"machine,omitempty"` // the VMM's machine type (QEMU: microvm or pc)
	Accel   string `json:"accel,omitempty"`   // the accelerator: auto, kvm or tcg
	// TCGCacheMiB bounds QEMU's translated-code cache under software
	// emulation (--tcg-cache); 0 leaves QEMU's own bound (up to 1 GiB).
	TCGCacheMiB int `json:"tcgCacheMiB,omitempty"`

	KernelOpts []string       `json:"kernelOpts,omitempty"` // raw kernel command-line tokens (trace...)
	Tmpfs      []string       `json:"tmpfs,omitempty"`      // writable in-memory directories besides /tmp
	ReadOnly   bool           `json:"readOnly,omitempty"`   // the root read-only but for the tmpfs directories (--read-only)
	Volumes    []volume.Mount `json:"volumes,omitempty"`    // disks attached, leased while the VM runs
	// NetStack gives the image made of an unmodified executable (Image a
	// program) the kernel with the network stack, whatever its code shows.
	NetStack bool `json:"netStack,omitempty"`

	Ports   []string         `json:"ports,omitempty"`   // the image's exposed ports, for ps
	Publish []vmm.Forward    `json:"publish,omitempty"` // host ports forwarded to the guest (-p)
	Network *hostnet.Options `json:"network,omitempty"` // --net, --ip, --gateway, --dns, --add-host

	Restart Restart `json:"restart"` // for a detached instance: boot again when the VM ends by itself
}

// Restart is a restart policy: whether an instance's monitor boots the VM
// again after it ends by itself (never after `unigo stop` or `unigo kill`).
type Restart struct {
	Policy     string `json:"policy"`               // "no", "on-failure" or "always"
	MaxRetries int    `json:"maxRetries,omitempty"` // on-failure: at most this many restarts; 0: no limit
}

// ParseRestart reads no, always, on-failure or on-failure:N.
func ParseRestart(s string) (Restart, error) {
	policy, max, hasMax := strings.Cut(s, ":")
	r := Restart{Policy: policy}
	switch {
	case s == "" || s == "no":
		return Restart{Policy: "no"}, nil
	case s == "always":
		return r, nil
	case policy == "on-failure" && !hasMax:
		return r, nil
	case policy == "on-failure":
		n, err := strconv.Atoi(max)
		if err == nil && n > 0 {
			r.MaxRetries = n
			return r, nil
		}
	}
	return Restart{}, fmt.Errorf("%q is not a restart policy: use no, always, on-failure or on-failure:N (N > 0 restarts at most)", s)
}

// Again decides whether a VM that ended by itself with exit code code
// boots again, after restarts restarts so far.
func (r Restart) Again(code, restarts int) bool {
	switch r.Policy {
	case "always":
		return true
	case "on-failure":
		return code != 0 && (r.MaxRetries == 0 || restarts < r.MaxRetries)
	}
	return false
}

// card is the VM's network card, made from the options and published
// ports; a tap device is checked (another VM may hold it).
func (c Config) card() (*vmm.NetSpec, error) {
	var o hostnet.Options
	if c.Network != nil {
		o = *c.Network
	}
	card, err := hostnet.Card(c.Publish, o)
	if err == nil && card != nil && card.Tap != "" {
		err = hostnet.CheckTap(card.Tap)
	}
	return card, err
}

// vmmOptions are the VMM's own knobs that the configuration sets.
func (c Config) vmmOptions() map[string]string {
	o := map[string]string{}
	if c.Machine != "" {
		o["machine"] = c.Machine
	}
	if c.Accel != "" {
		o["accel"] = c.Accel
	}
	if c.TCGCacheMiB > 0 {
		o["tcg-cache"] = strconv.Itoa(c.TCGCacheMiB)
	}
	return o
}
