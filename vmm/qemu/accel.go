package qemu

import (
	"fmt"
	"os"
)

// kvmDevice is opened read-write to decide whether KVM is usable.
var kvmDevice = "/dev/kvm"

// Accel is the accelerator a VM runs with and why it was chosen.
type Accel struct {
	Name string // "kvm" or "tcg", as QEMU's -accel takes it
	CPU  string // the -cpu model that goes with it
	Why  string // one line for `unigo run -v`
}

// Accelerator CPU models. With KVM the guest sees the host's CPU, except for
// the IA32_ARCH_CAPABILITIES MSR: QEMU 7.2 aborts at vCPU reset when a
// (nested) KVM refuses to let it set that MSR, and the kernel never reads it.
// TCG emulates every feature it can ("max"), SSE/AVX included.
const (
	kvmCPU = "host,-arch-capabilities"
	tcgCPU = "max"
)

// accelArg is QEMU's -accel value: the accelerator, with TCG's code cache
// bounded when the spec asks (OptionTCGCache; nothing to bound under KVM).
func accelArg(a Accel, opts options) string {
	if a.Name == "tcg" && opts.tcgCache > 0 {
		return fmt.Sprintf("tcg,tb-size=%d", opts.tcgCache)
	}
	return a.Name
}

// ChooseAccel picks the accelerator: want is "", "auto", "kvm" or "tcg".
// Automatic choice takes KVM when /dev/kvm can be opened read-write, else
// TCG (software emulation: slower, works everywhere).
func ChooseAccel(want string) (Accel, error) {
	kvmErr := probeKVM()
	switch want {
	case "", "auto":
		if kvmErr == nil {
			return Accel{Name: "kvm", CPU: kvmCPU, Why: kvmDevice + " is usable"}, nil
		}
		return Accel{Name: "tcg", CPU: tcgCPU, Why: fmt.Sprintf("software emulation, KVM is not usable: %v", kvmErr)}, nil
	case "kvm":
		if kvmErr != nil {
			return Accel{}, fmt.Errorf("KVM was asked for but is not usable (%v): give your user read-write access to %s (group kvm) or use --accel tcg", kvmErr, kvmDevice)
		}
		return Accel{Name: "kvm", CPU: kvmCPU, Why: "asked for"}, nil
	case "tcg":
		return Accel{Name: "tcg", CPU: tcgCPU, Why: "asked for"}, nil
	}
	return Accel{}, fmt.Errorf("unknown accelerator %q: use auto, kvm or tcg", want)
}

func probeKVM() error {
	f, err := os.OpenFile(kvmDevice, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return f.Close()
}
