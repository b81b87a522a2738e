// Package containerdserver starts a private containerd — Debian's
// containerd with its own root, state and socket in a directory of its
// own, its CRI plugin with the runtime handlers runc and unigo, CNI on a
// bridge of its own — for the containerd tests and the pod benchmark, and
// tears down everything it and its pods made, so a run leaves the host as
// it found it.
package containerdserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// The pods' CNI network: a bridge and a subnet no other network here uses.
const (
	Bridge = "unigoe2e0"
	Subnet = "10.88.77.0/24"
)

// A Server is a running private containerd.
type Server struct {
	Dir       string // its root, state, socket, configuration and log; removed by Stop
	Sock      string // the gRPC socket, for ctr and crictl
	ShimDir   string // on containerd's PATH: where containerd-shim-unigo-v2 is
	CrictlBin string // the crictl program

	cmd    *exec.Cmd
	exited chan struct{} // closed when containerd has exited
	logf   *os.File
	log    string // containerd's log, kept by Stop before it removes Dir

	// What the host had before, so that Stop removes only what the
	// server's pods added.
	netnsBefore    map[string]bool
	firewallBefore bool
	cgroupsBefore  []string
	stopped        bool
}

// Start writes the configuration into dir (made if need be) and starts
// containerd with shimDir on its PATH, pauseImage as CRI's sandbox image
// (no registry is reachable: the caller imports it), and waits for its
// socket. On an error nothing it started is left running.
func Start(dir, shimDir, pauseImage string) (*Server, error) {
	crictl, err := FindTools()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "cni"), 0o755); err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Sock: filepath.Join(dir, "containerd.sock"), ShimDir: shimDir, CrictlBin: crictl}
	s.netnsBefore = NetNamespaces()
	// CNI's firewall plugin accepts the pods' traffic in the host's
	// FORWARD chain (Docker's policy there is DROP, and bridged frames
	// pass it): its chains are removed after, unless they were there.
	s.firewallBefore = exec.Command("iptables", "-S", "CNI-FORWARD").Run() == nil
	s.cgroupsBefore, _ = filepath.Glob("/sys/fs/cgroup/*/k8s.io")
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(s.config(pauseImage)), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "cni", "10-unigo-e2e.conflist"), []byte(s.cniConfig()), 0o644); err != nil {
		return nil, err
	}
	if s.logf, err = os.Create(filepath.Join(dir, "containerd.log")); err != nil {
		return nil, err
	}
	s.cmd = exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	s.cmd.Env = append(os.Environ(), "PATH="+shimDir+":"+os.Getenv("PATH")+":/usr/sbin:/sbin")
	s.cmd.Stdout, s.cmd.Stderr = s.logf, s.logf
	s.cmd.Dir = dir
	// A session of its own: the terminal's ^C goes to the caller, which
	// then stops containerd in order.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := s.cmd.Start(); err != nil {
		s.logf.Close()
		return nil, fmt.Errorf("starting containerd: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if exec.Command("ctr", "-a", s.Sock, "version").Run() == nil {
			return s, nil
		}
		select {
		case <-s.exited:
			s.Stop()
			return nil, fmt.Errorf("the private containerd exited at start (%v); its log ends:\n%s", s.cmd.ProcessState, tail(s.Log(), 3000))
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("the private containerd's socket %s did not answer in 30 s; its log ends:\n%s", s.Sock, tail(s.Log(), 3000))
		}
	}
}

// config is containerd's configuration: everything under Dir, CRI with
// runc the default handler and unigo the shim's.
func (s *Server) config(pauseImage string) string {
	// restrict_oom_score_adj: lowering oom_score_adj is not permitted on
	// these machines, and runc fails every sandbox without it.
	return fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
[grpc]
  address = %[3]q
[ttrpc]
  address = %[4]q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %[7]q
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.unigo]
      runtime_type = "io.containerd.unigo.v2"
      pod_annotations = ["unigo.dev/*"]
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %[5]q
[plugins."io.containerd.internal.v1.opt"]
  path = %[6]q
`, filepath.Join(s.Dir, "root"), filepath.Join(s.Dir, "state"), s.Sock, s.Sock+".ttrpc", filepath.Join(s.Dir, "cni"), filepath.Join(s.Dir, "opt"), pauseImage)
}

// cniConfig is the pods' network: the bridge, host-local addresses, and
// the firewall plugin's FORWARD rules.
func (s *Server) cniConfig() string {
	return fmt.Sprintf(`{"cniVersion": "0.4.0", "name": "unigo-e2e", "plugins": [
  {"type": "bridge", "bridge": %q, "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": %q}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": %q}},
  {"type": "firewall", "backend": "iptables"}]}`,
		Bridge, Subnet, filepath.Join(s.Dir, "cni-ipam"))
}

// Stop removes the pods, as kubelet would, stops containerd, then removes
// whatever is left: processes started under it (shims, container
// processes, QEMU), mounts, the pods' network namespaces, the bridge, the
// firewall plugin's chains and CRI's cgroup parent, each only if the
// server made it; last Dir. It returns what should have been gone and was
// not (a process killed, a mount unmounted, a cgroup that could not be
// removed): a test fails on each. A second Stop does nothing.
func (s *Server) Stop() (leftovers []string) {
	if s.stopped {
		return nil
	}
	s.stopped = true
	s.crictlQuiet("rmp", "-fa")
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.logf.Close()
	waitUntil(5*time.Second, func() bool { return len(processesMentioning(s.Dir, s.ShimDir)) == 0 })
	for _, pid := range processesMentioning(s.Dir, s.ShimDir) {
		leftovers = append(leftovers, fmt.Sprintf("process %d (%s) left behind under the private containerd: killed", pid, commandLine(pid)))
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, m := range s.Mounts() {
		leftovers = append(leftovers, fmt.Sprintf("mount %s left behind: unmounted", m))
		syscall.Unmount(m, syscall.MNT_DETACH)
	}
	for ns := range NetNamespaces() {
		if !s.netnsBefore[ns] && strings.HasPrefix(ns, "cni-") {
			exec.Command("ip", "netns", "delete", ns).Run()
		}
	}
	exec.Command("ip", "link", "delete", Bridge).Run()
	if !s.firewallBefore {
		removeCNIFirewall()
	}
	// CRI's cgroup parent (cgroupfs driver), when the server made it:
	// empty once every pod is gone. A container's cgroup still in it (its
	// processes were killed above) is removed first, and reported.
	cgroupsAfter, _ := filepath.Glob("/sys/fs/cgroup/*/k8s.io")
	for _, cg := range cgroupsAfter {
		if !slices.Contains(s.cgroupsBefore, cg) {
			leftovers = append(leftovers, removeCgroupChildren(cg)...)
			if err := os.Remove(cg); err != nil {
				leftovers = append(leftovers, fmt.Sprintf("the cgroup %s is left behind: %v", cg, err))
			}
		}
	}
	s.log = s.Log()
	os.RemoveAll(s.Dir)
	return leftovers
}

// Log is containerd's log so far (after Stop, all of it).
func (s *Server) Log() string {
	if s.stopped && s.log != "" {
		return s.log
	}
	b, _ := os.ReadFile(filepath.Join(s.Dir, "containerd.log"))
	return string(b)
}

// removeCgroupChildren removes the cgroups under dir, deepest first, and
// says which it found.
func removeCgroupChildren(dir string) (found []string) {
	var children []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && path != dir {
			children = append(children, path)
		}
		return nil
	})
	slices.Reverse(children) // a directory after its children
	for _, c := range children {
		err := os.Remove(c)
		for i := 0; err != nil && i < 50; i++ { // killed processes leave their cgroup a moment later
			time.Sleep(100 * time.Millisecond)
			err = os.Remove(c)
		}
		if err != nil {
			found = append(found, fmt.Sprintf("the cgroup %s is left behind: %v", c, err))
		} else {
			found = append(found, fmt.Sprintf("the cgroup %s was left behind: removed", c))
		}
	}
	return found
}

// removeCNIFirewall removes what CNI's firewall plugin adds to the host's
// filter table: FORWARD's jump and the plugin's two chains.
func removeCNIFirewall() {
	exec.Command("iptables", "-D", "FORWARD", "-m", "comment", "--comment", "CNI firewall plugin rules", "-j", "CNI-FORWARD").Run()
	for _, chain := range []string{"CNI-FORWARD", "CNI-ADMIN"} {
		exec.Command("iptables", "-F", chain).Run()
		exec.Command("iptables", "-X", chain).Run()
	}
}

// FindTools finds the programs a private containerd and its pods need, or
// says which is missing and how to get it; it returns crictl's path.
func FindTools() (crictl string, err error) {
	if os.Geteuid() != 0 {
		return "", errors.New("a private containerd makes network namespaces, mounts and cgroups: run as root")
	}
	for _, tool := range []struct{ name, how string }{
		{"containerd", "apt-get install containerd"},
		{"ctr", "apt-get install containerd"},
		{"containerd-shim-runc-v2", "apt-get install containerd"},
		{"runc", "apt-get install runc"},
		{"/usr/lib/cni/bridge", "apt-get install containernetworking-plugins"},
		{"/usr/lib/cni/host-local", "apt-get install containernetworking-plugins"},
		{"/usr/lib/cni/firewall", "apt-get install containernetworking-plugins"},
		{"/usr/lib/cni/loopback", "apt-get install containernetworking-plugins"},
		{"ip", "apt-get install iproute2"},
		{"iptables", "apt-get install iptables"},
	} {
		if _, err := exec.LookPath(tool.name); err != nil {
			if _, err := exec.LookPath("/usr/sbin/" + tool.name); err != nil {
				return "", fmt.Errorf("%s not found: a private containerd needs it (%s, or run .ci/setup)", tool.name, tool.how)
			}
		}
	}
	if p, err := exec.LookPath("crictl"); err == nil {
		return p, nil
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "crictl")
	if _, err := os.Stat(p); err != nil {
		return "", errors.New("crictl not found: a private containerd's pods need it (go install sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0, or run .ci/setup)")
	}
	return p, nil
}

func waitUntil(limit time.Duration, cond func() bool) {
	for deadline := time.Now().Add(limit); !cond() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
