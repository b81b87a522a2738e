package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// What the benchmarks read about host processes from /proc.

// procStatus returns the value of one field of /proc/PID/status.
func procStatus(pid int, field string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// ProcRSS returns VmRSS of a process in bytes.
func ProcRSS(pid int) (int64, error) {
	v, err := procStatus(pid, "VmRSS")
	if err != nil {
		return 0, err
	}
	kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
	return kb << 10, err
}

// SeccompMode returns the Seccomp field of /proc/PID/status: 0 none,
// 1 strict, 2 filter.
func SeccompMode(pid int) (int, error) {
	v, err := procStatus(pid, "Seccomp")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v)
}

// ProcStat returns the fields of /proc/PID/stat after the command name
// (field 3, the state, first).
func ProcStat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return strings.Fields(s[i+1:]), nil
}

// ProcParent returns the parent of a process.
func ProcParent(pid int) (int, error) {
	f, err := ProcStat(pid)
	if err != nil {
		return 0, err
	}
	if len(f) < 2 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	return strconv.Atoi(f[1])
}

// ProcName is the command name of a process.
func ProcName(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// ProcCPU returns utime+stime of a process.
func ProcCPU(pid int) (time.Duration, error) {
	f, err := ProcStat(pid)
	if err != nil {
		return 0, err
	}
	// utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	const clkTck = 100 // USER_HZ on Linux x86
	return time.Duration(ut+st) * time.Second / clkTck, nil
}

// ProcessLives reports whether pid is a process that has not ended (a
// zombie has).
func ProcessLives(pid int) bool {
	f, err := ProcStat(pid)
	return err == nil && len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
