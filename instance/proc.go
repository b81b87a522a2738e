package instance

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Proc identifies a process beyond its pid, which the kernel reuses: by its
// start time (clock ticks after boot, /proc/PID/stat field 22).
type Proc struct {
	Pid   int    `json:"pid,omitempty"`
	Start uint64 `json:"startTicks,omitempty"`
}

// ProcOf identifies the running process pid.
func ProcOf(pid int) (Proc, error) {
	start, state, err := procStat(pid)
	if err != nil {
		return Proc{}, err
	}
	if state == 'Z' {
		return Proc{}, fmt.Errorf("process %d has exited", pid)
	}
	return Proc{Pid: pid, Start: start}, nil
}

// Alive tells whether p is still running: the pid exists, is not a zombie,
// and started when p did.
func (p Proc) Alive() bool {
	if p.Pid <= 0 {
		return false
	}
	start, state, err := procStat(p.Pid)
	return err == nil && state != 'Z' && start == p.Start
}

// procStat reads a process's start time and state letter.
func procStat(pid int) (start uint64, state byte, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) is in parentheses and may hold anything;
	// the fields after its closing parenthesis start with field 3.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	return start, f[0][0], err
}
