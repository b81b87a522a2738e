package containerdserver

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The processes, mounts and namespaces of a server's pods, found on the
// host: what the tests check is gone and the pod benchmark measures.

// Shims are the processes started under the server, containerd apart:
// those whose command line names Dir or ShimDir — containerd's shims
// (started with its socket's path), the unigo shim and its container
// processes (the shim's binary), QEMU when its image lies under Dir.
func (s *Server) Shims() []int {
	var out []int
	for _, pid := range processesMentioning(s.Dir, s.ShimDir) {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(b)) != "containerd" {
			out = append(out, pid)
		}
	}
	return out
}

// PodProcesses are every process of the server's pods: the Shims and all
// their descendants (a runc shim's pause and containers, which runc leaves
// to it as a subreaper; a unigo container process's QEMU), sorted.
func (s *Server) PodProcesses() []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	seen := map[int]bool{}
	queue := s.Shims()
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		queue = append(queue, children[pid]...)
	}
	out := make([]int, 0, len(seen))
	for pid := range seen {
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}

// parentOf reads a process's parent from /proc/PID/stat (after the
// command name, which may hold spaces and parentheses).
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// Mounts lists the mount points under Dir (the containers' root file
// systems, the sandboxes' shm), deepest first.
func (s *Server) Mounts() []string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], s.Dir+"/") {
			out = append(out, f[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// NetNamespaces are the names of the host's named network namespaces
// (CRI's pods' are cni-…).
func NetNamespaces() map[string]bool {
	m := map[string]bool{}
	entries, _ := os.ReadDir("/var/run/netns")
	for _, e := range entries {
		m[e.Name()] = true
	}
	return m
}

// processesMentioning are the processes whose command line names one of
// dirs, this one apart.
func processesMentioning(dirs ...string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		for _, dir := range dirs {
			if bytes.Contains(b, []byte(dir)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// commandLine is a process's command line with spaces, for messages.
func commandLine(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSpace(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
}
