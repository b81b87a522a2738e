package podstart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"unigo.dev/unigo/bench/measure"
)

// podMemory is the host memory of a pod's processes, in bytes of Pss:
// each page counted once over all processes, a shared page split between
// those that map it, so the sum is what the pod adds to the host.
// anon is the part in anonymous pages: private to the pod, unlike the
// programs' files, whose pages more pods of the same kind share.
type podMemory struct {
	total, shims, pause, ctr, vm, anon int64
	procs                              int
}

// readPodMemory sums the Pss of the processes pids, by kind: the shims
// (containerd-shim-*, but a unigo container process, which is the shim's
// binary run as __init), pause, QEMU, and the rest: the container's
// process (runc's app, unigo's container process).
func readPodMemory(pids []int) (podMemory, error) {
	var m podMemory
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue // ended meanwhile, or a zombie
		}
		pss, err := measure.SmapsField(b, "Pss:")
		if err != nil {
			return m, fmt.Errorf("process %d: %w", pid, err)
		}
		anon, err := measure.SmapsField(b, "Pss_Anon:")
		if err != nil {
			return m, fmt.Errorf("process %d: %w", pid, err)
		}
		m.anon += anon
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		m.total += pss
		m.procs++
		switch kindOf(cmdline) {
		case "shim":
			m.shims += pss
		case "pause":
			m.pause += pss
		case "qemu":
			m.vm += pss
		default:
			m.ctr += pss
		}
	}
	if m.procs == 0 {
		return m, fmt.Errorf("no process of the pod found (pids %v)", pids)
	}
	return m, nil
}

// kindOf names a pod process by its command line (NUL-separated): "shim",
// "pause" (the sandbox's entrypoint, /pause), "qemu" or "".
func kindOf(cmdline []byte) string {
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	prog := filepath.Base(args[0])
	switch {
	case prog == "pause":
		return "pause"
	case strings.HasPrefix(prog, "qemu-system"):
		return "qemu"
	case strings.HasPrefix(prog, "containerd-shim"):
		for _, a := range args[1:] {
			if a == "__init" {
				return ""
			}
		}
		return "shim"
	}
	return ""
}
