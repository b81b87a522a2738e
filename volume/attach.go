package volume

import (
	"fmt"

	"unigo.dev/unigo/vmm"
)

// MaxDisksPerVM is how many ext2 volumes the guest kernel mounts at once;
// shared directories add up to vmm.MaxShares.
const MaxDisksPerVM = 1

// Attach readies the mounts for one VM: it takes each disk's lease (a disk
// another VM holds is refused), repairs a disk left unclean by a crash
// (Check), and returns the VM's disks and shared directories. release
// gives the leases up; call it when the VM has ended.
func Attach(mounts []Mount) (disks []vmm.Disk, shares []vmm.Share, release func(), err error) {
	nDisks := 0
	for _, m := range mounts {
		if m.Dir == "" {
			nDisks++
		}
	}
	if nDisks > MaxDisksPerVM {
		return nil, nil, nil, fmt.Errorf("%d volumes on disks: a unigo VM mounts one ext2 volume; put the data in directories of one volume, or share host directories (-v ./dir:/path)", nDisks)
	}
	if len(mounts)-nDisks > vmm.MaxShares {
		return nil, nil, nil, fmt.Errorf("%d shared directories: a unigo VM mounts at most %d", len(mounts)-nDisks, vmm.MaxShares)
	}
	var leases []*Lease
	release = func() {
		for _, l := range leases {
			l.Release()
		}
	}
	targets, seen := map[string]string{}, map[string]bool{}
	for _, m := range mounts {
		if other, ok := targets[m.Target]; ok {
			release()
			return nil, nil, nil, fmt.Errorf("volumes %s and %s are both mounted at %s: give each its own path", other, m.Source, m.Target)
		}
		targets[m.Target] = m.Source
		if m.Dir != "" {
			shares = append(shares, vmm.Share{Path: m.Dir, MountAt: m.Target, ReadOnly: m.ReadOnly})
			continue
		}
		if seen[m.Disk] {
			release()
			return nil, nil, nil, fmt.Errorf("volume %s is given twice: a disk can be mounted once", m.Source)
		}
		seen[m.Disk] = true
		l, err := Lock(m.Disk)
		if err != nil {
			release()
			return nil, nil, nil, fmt.Errorf("volume %s: %w", m.Source, err)
		}
		leases = append(leases, l)
		if err := Check(m.Disk); err != nil {
			release()
			return nil, nil, nil, fmt.Errorf("volume %s: %w", m.Source, err)
		}
		disks = append(disks, vmm.Disk{Path: m.Disk, ReadOnly: m.ReadOnly, MountAt: m.Target})
	}
	return disks, shares, release, nil
}
