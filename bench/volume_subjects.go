package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"unigo.dev/unigo/bench/linuxvm"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/volume"
)

// volumeSubjects prepares the subjects of the volume benchmark.
type volumeSubjects struct {
	cfg       VolumeConfig
	m         machine
	app       *goApp
	artifacts string
	match     func(string) bool
	tscKHz    int
	tscSource string

	// The VMs' specs with a placeholder disk, to compare their QEMU
	// command lines (sameQEMU).
	specs map[string]bootSpec
}

// diskPlaceholder stands for each run's disk image in the command lines
// the report shows.
const diskPlaceholder = "DISK.img"

// native runs the plain binary on a directory of the host.
func (vs *volumeSubjects) native(s *VolumeSubject) {
	s.How = fmt.Sprintf("the plain static `go build` (CGO_ENABLED=0) as a process of the host, -dir a fresh directory in %s (%s)", vs.cfg.DiskDir, fsTypeOf(vs.cfg.DiskDir))
	s.Command = []string{vs.app.Binary, "-dir", filepath.Join(vs.cfg.DiskDir, "native-N")}
	s.start = func(ctx context.Context, dir string) (*watched, func(), error) {
		cmd := exec.CommandContext(ctx, vs.app.Binary, "-dir", dir)
		w := newWatched(cmd, vs.match)
		cmd.Stdout, cmd.Stderr = w.console(), w.console()
		return w, func() {}, w.start()
	}
}

// linux boots Debian's cloud kernel with the benchmark's helper as /init:
// it loads the virtio-blk drivers, mounts /dev/vda at /data (ext2 through
// the built-in ext4 driver) and executes the app.
func (vs *volumeSubjects) linux(ctx context.Context, s *VolumeSubject) error {
	p, err := linuxPreparer(vs.cfg.LinuxCacheDir, vs.tscKHz, vs.tscSource)(ctx, vs.app, vs.artifacts)
	if err != nil {
		return err
	}
	k, err := linuxvm.Fetch(ctx, vs.cfg.LinuxCacheDir)
	if err != nil {
		return err
	}
	mods, err := k.BlockModules(ctx)
	if err != nil {
		return fmt.Errorf("the Linux guest's virtio-blk drivers: %w", err)
	}
	helper, err := buildHelper(ctx, vs.artifacts)
	if err != nil {
		return err
	}
	mounts := filepath.Join(vs.artifacts, "linux-mounts")
	if err := os.WriteFile(mounts, []byte(volumeLinuxM), 0o644); err != nil {
		return err
	}
	files := []linuxvm.File{
		{Name: "init", Path: helper, Perm: 0o755},
		{Name: "app", Path: vs.app.Binary, Perm: 0o755},
		{Name: "mounts", Path: mounts, Perm: 0o644},
	}
	var names []string
	for _, m := range mods {
		files = append(files, linuxvm.File{Name: "modules/" + filepath.Base(m), Path: m, Perm: 0o644})
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".ko"))
	}
	initrd := filepath.Join(vs.artifacts, vs.app.Name+".volume.initramfs.cpio")
	f, err := os.Create(initrd)
	if err != nil {
		return err
	}
	if err := linuxvm.WriteInitramfsFiles(f, files); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	spec := p.spec
	spec.Initrd, spec.Match = initrd, vs.match
	how, _, _ := strings.Cut(p.how, "; initramfs =") // the preparer's initramfs is replaced
	s.How = how + "; initramfs = the benchmark's helper as /init, which loads " + strings.Join(names, ", ") +
		", mounts devtmpfs on /dev and /dev/vda on " + volumeMount + " as ext2 (the kernel's built-in ext4 driver), and executes the app (/app)"
	s.Notes = append(s.Notes, p.notes...)
	s.Notes = append(s.Notes, "the disk is attached by vmm's own argument builder (vmm.QEMU.Args with Spec.Disks), as for unigo, without a mount= token: the -drive and -device options are the same")
	vs.addSpec(Linux, spec)
	s.Command = vs.m.commandLine(withDisk(spec, vmm.Disk{Path: diskPlaceholder}), vs.cfg.MemMiB)
	s.start = func(ctx context.Context, disk string) (*watched, func(), error) {
		w, err := vs.m.start(ctx, withDisk(spec, vmm.Disk{Path: disk}), vs.cfg.MemMiB)
		return w, func() {}, err
	}
	return nil
}

// unigo boots the unigo image of the app with the disk attached as
// `unigo run -v DISK:/data` attaches it: volume.Attach takes the disk's
// lease and checks it, and gives the vmm.Disk that the guest mounts.
func (vs *volumeSubjects) unigo(ctx context.Context, s *VolumeSubject) error {
	p, err := unigoPreparer(vs.cfg.Build)(ctx, vs.app, vs.artifacts)
	if err != nil {
		return err
	}
	spec := p.spec
	spec.Match = vs.match
	s.How = p.how + "; the disk attached as by `unigo run -v DISK.img:" + volumeMount + "` (volume.Attach: lease, check, vmm.Disk mounted by the guest kernel's ext2)"
	vs.addSpec(Unigo, spec)
	s.Command = vs.m.commandLine(withDisk(spec, vmm.Disk{Path: diskPlaceholder, MountAt: volumeMount}), vs.cfg.MemMiB)
	s.start = func(ctx context.Context, disk string) (*watched, func(), error) {
		disks, release, err := volume.Attach([]volume.Mount{{Source: disk, Disk: disk, Target: volumeMount}})
		if err != nil {
			return nil, nil, err
		}
		w, err := vs.m.start(ctx, withDisk(spec, disks...), vs.cfg.MemMiB)
		if err != nil {
			release()
			return nil, nil, err
		}
		return w, release, nil
	}
	return nil
}

func (vs *volumeSubjects) addSpec(key string, spec bootSpec) {
	if vs.specs == nil {
		vs.specs = map[string]bootSpec{}
	}
	vs.specs[key] = spec
}

func withDisk(spec bootSpec, disks ...vmm.Disk) bootSpec {
	spec.Disks = disks
	return spec
}

// sameQEMU checks that the two VMs' QEMU command lines differ only in what
// they boot (-kernel, -initrd, -append): same machine, accelerator, memory,
// and the same -drive and -device options for the disk.
func (vs *volumeSubjects) sameQEMU() error {
	l, okL := vs.specs[Linux]
	u, okU := vs.specs[Unigo]
	if !okL || !okU {
		return nil
	}
	la := qemuArgsWithoutBoot(vs.m.args(withDisk(l, vmm.Disk{Path: diskPlaceholder}), vs.cfg.MemMiB))
	ua := qemuArgsWithoutBoot(vs.m.args(withDisk(u, vmm.Disk{Path: diskPlaceholder, MountAt: volumeMount}), vs.cfg.MemMiB))
	if !slices.Equal(la, ua) {
		return fmt.Errorf("the Linux and unigo QEMU command lines differ beyond what they boot:\n  linux: %s\n  unigo: %s\nfix bench/volume_subjects.go", strings.Join(la, " "), strings.Join(ua, " "))
	}
	return nil
}

// qemuArgsWithoutBoot drops -kernel, -initrd and -append with their values.
func qemuArgsWithoutBoot(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-kernel", "-initrd", "-append":
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}
