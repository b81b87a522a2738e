package linuxvm

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// CommandLine returns the kernel command line of the baseline: the serial
// console, no boot messages below warnings, and the settings that make a
// cloud kernel boot fast and end cleanly in a VM:
//
//   - quiet: kernel messages would otherwise cost serial output time and
//     hide the app's line;
//   - cryptomgr.notests: skip the crypto self-tests (~0.5 s under TCG);
//   - tsc_early_khz: under emulation the guest often fails to calibrate
//     its TSC and hangs; QEMU's TCG TSC runs at the host's rate;
//   - panic=-1 reboot=t: when /init (the app) exits the kernel panics
//     ("Attempted to kill init") and reboots at once by triple fault, which
//     QEMU's -no-reboot turns into QEMU exiting: the "to exit" time.
//
// tscKHz ≤ 0 leaves tsc_early_khz out.
func CommandLine(tscKHz int) string {
	parts := []string{"console=ttyS0", "quiet", "cryptomgr.notests", "panic=-1", "reboot=t"}
	if tscKHz > 0 {
		parts = append(parts, "tsc_early_khz="+strconv.Itoa(tscKHz))
	}
	return strings.Join(parts, " ")
}

// HostTSCKHz returns the host's TSC frequency in kHz and where it was read:
// the kernel's tsc_freq_khz in sysfs when the host kernel exports it, else
// the kernel log's calibration line, else /proc/cpuinfo's "cpu MHz" (the TSC
// rate on hosts with a constant TSC, which every host fit for VMs has).
func HostTSCKHz() (khz int, source string, err error) {
	if b, err := os.ReadFile("/sys/devices/system/cpu/cpu0/tsc_freq_khz"); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v > 0 {
			return v, "sysfs tsc_freq_khz", nil
		}
	}
	if v, err := tscFromKmsg(); err == nil {
		return v, "kernel log", nil
	}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "cpu MHz" {
			mhz, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil && mhz > 0 {
				return int(mhz*1000 + 0.5), "/proc/cpuinfo cpu MHz", nil
			}
		}
	}
	return 0, "", errors.New("cannot tell the host TSC frequency")
}

var kmsgTSC = regexp.MustCompile(`tsc: (?:Refined TSC clocksource calibration:|Detected) ([0-9]+)\.([0-9]{3}) MHz`)

// tscFromKmsg reads the kernel log (without blocking) for the TSC rate the
// host kernel settled on; the refined value wins over the first guess.
func tscFromKmsg() (int, error) {
	fd, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return 0, err
	}
	defer syscall.Close(fd)
	best := 0
	buf := make([]byte, 8192)
	for range 100000 {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EPIPE { // a record was overwritten while reading
			continue
		}
		if err != nil || n <= 0 {
			break
		}
		if m := kmsgTSC.FindSubmatch(buf[:n]); m != nil {
			whole, _ := strconv.Atoi(string(m[1]))
			frac, _ := strconv.Atoi(string(m[2]))
			if v := whole*1000 + frac; best == 0 || strings.Contains(string(buf[:n]), "Refined") {
				best = v
			}
		}
	}
	if best == 0 {
		return 0, fmt.Errorf("no TSC line in the kernel log")
	}
	return best, nil
}
