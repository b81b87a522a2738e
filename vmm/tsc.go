package vmm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"unigo.dev/unigo/internal/atomicfile"
)

// bootIDFile holds an ID that the Linux kernel draws anew at every boot.
const bootIDFile = "/proc/sys/kernel/random/boot_id"

// HostBootID is the host's boot ID: what a host-boot-long cache (the TSC
// rate, a KVM failure) is keyed by.
func HostBootID() (string, error) {
	b, err := os.ReadFile(bootIDFile)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("%s is empty", bootIDFile)
	}
	return id, nil
}

func rdtsc() uint64

// HostTSCHz returns this host's TSC frequency, measured once per host boot
// (20 ms against the monotonic clock) and cached. Guests learn it through
// the tsc_hz= boot option: under QEMU the guest's TSC counts at the host's
// rate (TCG reads the host TSC; KVM keeps the host rate), so the kernel need
// not calibrate it against the PIT at every boot. It returns 0 when the
// host's TSC is not usable as a clock.
func HostTSCHz() uint64 {
	if !invariantTSC() {
		return 0
	}
	bootID, _ := HostBootID()
	cache := tscCachePath()
	if data, err := os.ReadFile(cache); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 && f[0] == bootID {
			if hz, err := strconv.ParseUint(f[1], 10, 64); err == nil && hz > 0 {
				return hz
			}
		}
	}
	hz := measureTSC(20 * time.Millisecond)
	if hz == 0 {
		return 0
	}
	if bootID != "" && cache != "" && os.MkdirAll(filepath.Dir(cache), 0o755) == nil {
		atomicfile.Write(cache, []byte(fmt.Sprintf("%s %d\n", bootID, hz)), 0o644)
	}
	return hz
}

// measureTSC counts TSC ticks over d of monotonic time.
func measureTSC(d time.Duration) uint64 {
	t0, c0 := time.Now(), rdtsc()
	for time.Since(t0) < d {
	}
	t1, c1 := time.Now(), rdtsc()
	ns := t1.Sub(t0).Nanoseconds()
	if ns <= 0 || c1 <= c0 {
		return 0
	}
	hz := (c1 - c0) * 1e9 / uint64(ns)
	if hz < 100e6 || hz > 20e9 {
		return 0
	}
	return hz
}

// invariantTSC reports whether the host's TSC runs at a constant rate, as
// Linux says in /proc/cpuinfo (constant_tsc and nonstop_tsc).
func invariantTSC() bool {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	i := bytes.Index(data, []byte("\nflags"))
	if i < 0 {
		return false
	}
	line := data[i+1:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return bytes.Contains(line, []byte(" constant_tsc")) && bytes.Contains(line, []byte(" nonstop_tsc"))
}

func tscCachePath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "unigo", "tsc-hz")
}
