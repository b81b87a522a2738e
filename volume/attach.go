package volume

import (
	"fmt"

	"unigo.dev/unigo/vmm"
)

// MaxPerVM is how many volumes the guest kernel mounts at once.
const MaxPerVM = 1

// Attach readies the mounts for one VM: it takes each disk's lease (a disk
// another VM holds is refused), repairs a disk left unclean by a crash
// (Check), and returns the VM's disks. release gives the leases up; call
// it when the VM has ended.
func Attach(mounts []Mount) (disks []vmm.Disk, release func(), err error) {
	if len(mounts) > MaxPerVM {
		return nil, nil, fmt.Errorf("%d volumes: a unigo VM mounts one volume for now; put the data in directories of one volume", len(mounts))
	}
	var leases []*Lease
	release = func() {
		for _, l := range leases {
			l.Release()
		}
	}
	targets, seen := map[string]string{}, map[string]bool{}
	for _, m := range mounts {
		if seen[m.Disk] {
			release()
			return nil, nil, fmt.Errorf("volume %s is given twice: a disk can be mounted once", m.Source)
		}
		seen[m.Disk] = true
		if other, ok := targets[m.Target]; ok {
			release()
			return nil, nil, fmt.Errorf("volumes %s and %s are both mounted at %s: give each its own path", other, m.Source, m.Target)
		}
		targets[m.Target] = m.Source
		l, err := Lock(m.Disk)
		if err != nil {
			release()
			return nil, nil, fmt.Errorf("volume %s: %w", m.Source, err)
		}
		leases = append(leases, l)
		if err := Check(m.Disk); err != nil {
			release()
			return nil, nil, fmt.Errorf("volume %s: %w", m.Source, err)
		}
		disks = append(disks, vmm.Disk{Path: m.Disk, ReadOnly: m.ReadOnly, MountAt: m.Target})
	}
	return disks, release, nil
}
