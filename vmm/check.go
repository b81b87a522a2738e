package vmm

import (
	"fmt"
	"strings"

	"unigo.dev/unigo/image"
)

// Check rejects a spec that no VMM could boot as asked, with a message that
// says what to change: a bad command line, disks or network card, or a
// file that is not a unigo image. Each VMM calls it before its own checks.
func (s Spec) Check() error {
	if err := s.Cmdline.Validate(); err != nil {
		return err
	}
	if err := checkDisks(s.Disks); err != nil {
		return err
	}
	if err := checkShares(s.Shares, s.Disks); err != nil {
		return err
	}
	if err := checkNet(s.Net); err != nil {
		return err
	}
	switch s.Kind {
	case KindUnigo:
		if s.Initrd != "" {
			return fmt.Errorf("an initramfs (%s) is for a Linux kernel: a unigo image carries its root file system", s.Initrd)
		}
		info, err := image.Open(s.Image)
		if err != nil {
			return err
		}
		if info.RootOnDisk && len(s.Disks)+1 > MaxDisks {
			return fmt.Errorf("%d disks: the guest drives at most %d, and this image's root file system takes one", len(s.Disks), MaxDisks)
		}
		return nil
	case KindLinux:
		return nil
	}
	return fmt.Errorf("unknown image kind %d", int(s.Kind))
}

// KernelCmdline is the command line the guest kernel gets: the app's
// command line plus what the host knows that saves the kernel work at boot
// (the disks' mounts and the shared directories', the network card's configuration, the TSC rate: see
// HostTSCHz). A Linux kernel (the benchmarks' baseline) gets the same
// tokens: its /init reads net.* as unigo's kernel does.
func (s Spec) KernelCmdline() string {
	c := s.Cmdline
	c.Tokens = append(append(mountTokens(s.Disks), shareTokens(s.Shares)...), c.Tokens...)
	if s.Net != nil {
		c.Tokens = append(s.Net.Guest.tokens(), c.Tokens...)
	}
	str := c.String()
	if hz := HostTSCHz(); hz != 0 && !strings.Contains(" "+str, " tsc_hz=") {
		str += fmt.Sprintf(" tsc_hz=%d", hz)
	}
	return strings.TrimSpace(str)
}
