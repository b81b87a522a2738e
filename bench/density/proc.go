package density

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"unigo.dev/unigo/bench/measure"
)

// What the density benchmark reads of the host from /proc: each process's
// memory (smaps_rollup) and CPU time (stat), the host's free memory and
// swap (meminfo), and the processes themselves, to find those an instance
// is made of and those left behind.

// procMem is a process's memory, in bytes: private is its anonymous and
// shared-memory part (Pss_Anon + Pss_Shmem; Pss where the kernel does not
// split it), which one more instance adds again, where the file pages of
// a binary all instances run are shared.
type procMem struct{ rss, pss, private int64 }

// parseSmapsRollup reads the Rss, Pss, Pss_Anon and Pss_Shmem lines of
// /proc/PID/smaps_rollup.
func parseSmapsRollup(b []byte) (procMem, error) {
	var m procMem
	var err error
	if m.rss, err = measure.SmapsField(b, "Rss:"); err != nil {
		return procMem{}, err
	}
	if m.pss, err = measure.SmapsField(b, "Pss:"); err != nil {
		return procMem{}, err
	}
	m.private = m.pss
	anon, errA := measure.SmapsField(b, "Pss_Anon:")
	shmem, errS := measure.SmapsField(b, "Pss_Shmem:")
	if errA == nil && errS == nil {
		m.private = anon + shmem
	}
	return m, nil
}

// readMem reads a process's memory.
func readMem(pid int) (procMem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return procMem{}, err
	}
	m, err := parseSmapsRollup(b)
	if err != nil {
		return procMem{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return m, nil
}

// clockTicks is USER_HZ, the unit of the times in /proc/PID/stat: 100 on
// every Linux the benchmark runs on (x86-64).
const clockTicks = 100

// procStat is what the benchmark reads of /proc/PID/stat.
type procStat struct {
	comm  string
	state byte
	ppid  int
	ticks int64 // utime + stime, in 1/clockTicks s: every thread's, the ended ones' too
}

// parseStat reads /proc/PID/stat: "PID (COMM) STATE PPID ..." with utime
// and stime its fields 14 and 15. COMM may hold spaces and parentheses, so
// the fields after it are counted from its last ')'.
func parseStat(b []byte) (procStat, error) {
	s := strings.TrimSpace(string(b))
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("stat: no (comm) in %q", s)
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3, the state
	if len(f) < 13 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("stat: too few fields in %q", s)
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procStat{}, fmt.Errorf("stat: ppid %q", f[1])
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return procStat{}, fmt.Errorf("stat: utime %q stime %q", f[11], f[12])
	}
	return procStat{comm: s[open+1 : end], state: f[0][0], ppid: ppid, ticks: ut + st}, nil
}

// readStat reads a process's stat.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// meminfo is what the benchmark reads of /proc/meminfo, in bytes.
type meminfo struct {
	available, swapTotal, swapFree int64
}

// swapUsed is the swap in use.
func (m meminfo) swapUsed() int64 { return m.swapTotal - m.swapFree }

// parseMeminfo reads MemAvailable, SwapTotal and SwapFree.
func parseMeminfo(b []byte) (meminfo, error) {
	var m meminfo
	fields := map[string]*int64{"MemAvailable:": &m.available, "SwapTotal:": &m.swapTotal, "SwapFree:": &m.swapFree}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		p, ok := fields[firstOf(f)]
		if !ok || len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return meminfo{}, fmt.Errorf("meminfo: %q", sc.Text())
		}
		*p = kb << 10
		seen++
	}
	if seen != len(fields) {
		return meminfo{}, fmt.Errorf("meminfo lacks MemAvailable, SwapTotal or SwapFree")
	}
	return m, nil
}

func firstOf(f []string) string {
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// readMeminfo reads the host's meminfo.
func readMeminfo() (meminfo, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return meminfo{}, err
	}
	return parseMeminfo(b)
}

// hostProc is a process of the host as a scan of /proc sees it.
type hostProc struct {
	pid  int
	stat procStat
	args []string // its command line
	cwd  string
	env  []string
}

// scanProcs lists the host's live processes (not zombies).
func scanProcs() []hostProc {
	ents, _ := os.ReadDir("/proc")
	var out []hostProc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.state == 'Z' || st.state == 'X' {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		p := hostProc{pid: pid, stat: st}
		p.args = splitNul(dir, "cmdline")
		p.env = splitNul(dir, "environ")
		p.cwd, _ = os.Readlink(filepath.Join(dir, "cwd"))
		out = append(out, p)
	}
	return out
}

func splitNul(dir, file string) []string {
	b, _ := os.ReadFile(filepath.Join(dir, file))
	s := strings.TrimRight(string(b), "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}

// has reports whether the process's environment holds kv ("KEY=VALUE").
func (p hostProc) has(kv string) bool {
	for _, e := range p.env {
		if e == kv {
			return true
		}
	}
	return false
}

// arg returns the argument after flag in the process's command line.
func (p hostProc) arg(flag string) string {
	for i, a := range p.args[:max(len(p.args)-1, 0)] {
		if a == flag {
			return p.args[i+1]
		}
	}
	return ""
}

// String names the process for a message: "PID (command line)".
func (p hostProc) String() string {
	cmd := strings.Join(p.args, " ")
	if len(cmd) > 120 {
		cmd = cmd[:117] + "..."
	}
	return fmt.Sprintf("%d (%s)", p.pid, cmd)
}
