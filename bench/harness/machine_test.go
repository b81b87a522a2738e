package harness

import (
	"strings"
	"testing"

	"unigo.dev/unigo/vmm"
)

// Two VMs are compared without what they boot: the image, its kind, the
// initramfs, the command line and where a disk is mounted; the rest must
// be the same.
func TestSameVM(t *testing.T) {
	linux := vmm.Spec{Image: "vmlinux", Kind: vmm.KindLinux, Initrd: "initramfs", Cmdline: vmm.Cmdline{Tokens: []string{"quiet"}},
		Memory: 256 << 20, Disks: []vmm.Disk{{Path: "d.img"}}, Options: map[string]string{"machine": "microvm"}}
	unigo := vmm.Spec{Image: "app.img", Cmdline: vmm.Cmdline{Args: []string{"app"}},
		Memory: 256 << 20, Disks: []vmm.Disk{{Path: "d.img", MountAt: "/data"}}, Options: map[string]string{"machine": "microvm"}}
	if err := SameVM(linux, unigo); err != nil {
		t.Errorf("VMs that differ in what they boot: %v", err)
	}
	for name, change := range map[string]func(*vmm.Spec){
		"Memory":  func(s *vmm.Spec) { s.Memory = 64 << 20 },
		"Disks":   func(s *vmm.Spec) { s.Disks = []vmm.Disk{{Path: "other.img"}} },
		"Net":     func(s *vmm.Spec) { s.Net = &vmm.NetSpec{} },
		"Options": func(s *vmm.Spec) { s.Options = map[string]string{"machine": "pc"} },
	} {
		u := unigo
		change(&u)
		if err := SameVM(linux, u); err == nil || !strings.Contains(err.Error(), "differ") || !strings.Contains(err.Error(), name) {
			t.Errorf("a different %s: %v, want a refusal naming it", name, err)
		}
	}
}
