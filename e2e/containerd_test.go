package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The containerd shim (containerd-shim-unigo-v2) under a private containerd
// started by the test — Debian's containerd 1.6 with its own root, state
// and socket in a temporary directory, its CRI plugin with the unigo
// runtime handler and CNI from Debian's containernetworking-plugins (a
// bridge of its own) — driven by ctr and, as kubelet drives it, by crictl.

// cdBridge and cdSubnet are the test's CNI network.
const (
	cdBridge = "unigoe2e0"
	cdSubnet = "10.88.77.0/24"
)

// containerdTools finds what the test needs, or fails naming what is
// missing and how to get it.
func containerdTools(t *testing.T) (crictl string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the containerd tests start a containerd and make network namespaces: run them as root")
	}
	for _, tool := range []struct{ name, how string }{
		{"containerd", "apt-get install containerd"},
		{"ctr", "apt-get install containerd"},
		{"containerd-shim-runc-v2", "apt-get install containerd"},
		{"runc", "apt-get install runc"},
		{"/usr/lib/cni/bridge", "apt-get install containernetworking-plugins"},
		{"/usr/lib/cni/host-local", "apt-get install containernetworking-plugins"},
		{"ip", "apt-get install iproute2"},
		{"iptables", "apt-get install iptables"},
	} {
		if _, err := exec.LookPath(tool.name); err != nil {
			if _, err := exec.LookPath("/usr/sbin/" + tool.name); err != nil {
				t.Fatalf("%s not found: the containerd tests need it (%s, or run .ci/setup)", tool.name, tool.how)
			}
		}
	}
	if p, err := exec.LookPath("crictl"); err == nil {
		return p
	}
	gobin, _ := exec.Command("go", "env", "GOPATH").Output()
	p := filepath.Join(strings.TrimSpace(string(gobin)), "bin", "crictl")
	if _, err := os.Stat(p); err != nil {
		t.Fatal("crictl not found: the containerd tests need it (go install sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0, or run .ci/setup)")
	}
	return p
}

// privateContainerd is a containerd of the test's own.
type privateContainerd struct {
	dir, sock string
	crictlBin string
}

// startContainerd starts the private containerd with the shim on its PATH
// and registers its teardown: containerd and every process started under
// it stopped, its mounts, the pods' network namespaces and the bridge
// removed, whether the test passed or not.
func startContainerd(t *testing.T, crictl, shimDir string) *privateContainerd {
	t.Helper()
	dir, err := os.MkdirTemp("", "unigo-containerd-")
	if err != nil {
		t.Fatal(err)
	}
	c := &privateContainerd{dir: dir, sock: filepath.Join(dir, "containerd.sock"), crictlBin: crictl}
	netnsBefore := netnsNames()
	// CNI's firewall plugin accepts the pods' traffic in the host's
	// FORWARD chain (Docker's policy there is DROP, and bridged frames
	// pass it): its chains are removed after, unless they were there.
	firewallBefore := exec.Command("iptables", "-S", "CNI-FORWARD").Run() == nil
	cgroupsBefore, _ := filepath.Glob("/sys/fs/cgroup/*/k8s.io")
	config := fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
[grpc]
  address = %[3]q
[ttrpc]
  address = %[4]q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/unigo-e2e/pause:v1"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.unigo]
      runtime_type = "io.containerd.unigo.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %[5]q
[plugins."io.containerd.internal.v1.opt"]
  path = %[6]q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.sock, c.sock+".ttrpc", filepath.Join(dir, "cni"), filepath.Join(dir, "opt"))
	cni := fmt.Sprintf(`{"cniVersion": "0.4.0", "name": "unigo-e2e", "plugins": [
  {"type": "bridge", "bridge": %q, "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": %q}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": %q}},
  {"type": "firewall", "backend": "iptables"}]}`,
		cdBridge, cdSubnet, filepath.Join(dir, "cni-ipam"))
	must(t, os.MkdirAll(filepath.Join(dir, "cni"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "cni", "10-unigo-e2e.conflist"), []byte(cni), 0o644))
	logf, err := os.Create(filepath.Join(dir, "containerd.log"))
	must(t, err)
	cmd := exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	cmd.Env = append(os.Environ(), "PATH="+shimDir+":"+os.Getenv("PATH")+":/usr/sbin:/sbin")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	must(t, cmd.Start())
	t.Cleanup(func() {
		// The pods first, as kubelet would remove them; then containerd,
		// then whatever is left: processes started under it (shims,
		// container processes, QEMU), mounts, namespaces, the bridge.
		c.crictlRun("rmp", "-fa")
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		waitUntil(5*time.Second, func() bool { return len(processesMentioning(dir, shimDir)) == 0 })
		for _, pid := range processesMentioning(dir, shimDir) {
			t.Errorf("process %d left behind under the private containerd: killed", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
		for _, m := range mountsUnder(dir) {
			t.Errorf("mount %s left behind: unmounted", m)
			syscall.Unmount(m, syscall.MNT_DETACH)
		}
		for ns := range netnsNames() {
			if !netnsBefore[ns] && strings.HasPrefix(ns, "cni-") {
				exec.Command("ip", "netns", "delete", ns).Run()
			}
		}
		exec.Command("ip", "link", "delete", cdBridge).Run()
		if !firewallBefore {
			removeCNIFirewall()
		}
		// CRI's cgroup parent (cgroupfs driver), when the test made it:
		// empty once every pod is gone.
		cgroupsAfter, _ := filepath.Glob("/sys/fs/cgroup/*/k8s.io")
		for _, cg := range cgroupsAfter {
			if !slices.Contains(cgroupsBefore, cg) {
				if err := os.Remove(cg); err != nil {
					t.Errorf("the cgroup %s is left behind: %v", cg, err)
				}
			}
		}
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "containerd.log")); err == nil {
				t.Logf("containerd's log (last 6000 bytes):\n%s", tail(string(b), 6000))
			}
		}
		os.RemoveAll(dir)
	})
	waitFor(t, "the private containerd's socket", 30*time.Second, func() bool {
		return exec.Command("ctr", "-a", c.sock, "version").Run() == nil
	})
	return c
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

// ctr runs ctr against the private containerd in CRI's namespace.
func (c *privateContainerd) ctr(t *testing.T, args ...string) (string, int) {
	t.Helper()
	return runCmd(t, 2*time.Minute, "ctr", append([]string{"-a", c.sock, "-n", "k8s.io"}, args...)...)
}

// crictl runs crictl against the private containerd's CRI and returns
// its standard output (crictl logs: the container's stdout and stderr).
func (c *privateContainerd) crictl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.crictlErr(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// crictlErr is crictl for goroutines: the failure as an error.
func (c *privateContainerd) crictlErr(args ...string) (string, error) {
	cmd := exec.Command(c.crictlBin, append([]string{"--runtime-endpoint", "unix://" + c.sock, "--image-endpoint", "unix://" + c.sock, "--timeout", "60s"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if args[0] == "logs" {
		cmd.Stderr = &stdout
	}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("crictl %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// crictlRun is crictl for the teardown: errors ignored.
func (c *privateContainerd) crictlRun(args ...string) {
	cmd := exec.Command(c.crictlBin, append([]string{"--runtime-endpoint", "unix://" + c.sock, "--timeout", "30s"}, args...)...)
	cmd.Run()
}

func runCmd(t *testing.T, limit time.Duration, prog string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", prog, err)
	}
	timer := time.AfterFunc(limit, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", prog, args, err)
	}
	return out.String(), 0
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// processesMentioning are the processes whose command line names one of
// dirs: containerd's shims (started with its socket's path), the unigo
// shim's container processes (the shim's binary), QEMU.
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

// mountsUnder lists the mount points under dir, deepest first.
func mountsUnder(dir string) []string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			out = append(out, f[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// shims are the processes of processesMentioning but containerd.
func shims(dirs ...string) []int {
	var out []int
	for _, pid := range processesMentioning(dirs...) {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(b)) != "containerd" {
			out = append(out, pid)
		}
	}
	return out
}

func waitUntil(limit time.Duration, cond func() bool) {
	for deadline := time.Now().Add(limit); !cond() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
}

func netnsNames() map[string]bool {
	m := map[string]bool{}
	entries, _ := os.ReadDir("/var/run/netns")
	for _, e := range entries {
		m[e.Name()] = true
	}
	return m
}

// plainImage writes an ordinary container image (docker save format,
// which ctr imports): a test program built static, alone in a FROM
// scratch image as /NAME, its entrypoint. The pods' sandbox (pause) and
// their sidecars.
func plainImage(t *testing.T, dir, prog, ref string) string {
	t.Helper()
	bin := filepath.Join(dir, prog)
	cmd := exec.Command("go", "build", "-o", bin, "./e2e/testdata/"+prog)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", prog, err, out)
	}
	data, err := os.ReadFile(bin)
	must(t, err)
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	must(t, tw.WriteHeader(&tar.Header{Name: prog, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}))
	_, err = tw.Write(data)
	must(t, err)
	must(t, tw.Close())
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layer.Bytes())), nil })
	must(t, err)
	img, err := mutate.AppendLayers(empty.Image, l)
	must(t, err)
	cf, err := img.ConfigFile()
	must(t, err)
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config = v1.Config{Entrypoint: []string{"/" + prog}}
	img, err = mutate.ConfigFile(img, cf)
	must(t, err)
	tag, err := name.NewTag(ref)
	must(t, err)
	out := filepath.Join(dir, prog+".tar")
	must(t, tarball.WriteToFile(out, tag, img))
	return out
}

func TestContainerdShim(t *testing.T) {
	crictl := containerdTools(t)
	work := t.TempDir()
	shimDir := filepath.Join(work, "bin")
	cmd := exec.Command("go", "build", "-o", filepath.Join(shimDir, "containerd-shim-unigo-v2"), "./cmd/containerd-shim-unigo-v2")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the shim: %v\n%s", err, out)
	}
	store := filepath.Join(work, "store")
	archive := filepath.Join(work, "images.tar")
	const (
		hello    = "docker.io/unigo-e2e/exitcode:v1"
		httpd    = "docker.io/unigo-e2e/httpd:v1"
		httpdPkg = "./examples/httpd"
	)
	in(t, store, "build", "-t", "unigo-e2e/exitcode:v1", "./e2e/testdata/exitcode").expect(t, 0)
	in(t, store, "build", "-t", "unigo-e2e/httpd:v1", httpdPkg).expect(t, 0)
	in(t, store, "build", "-t", "unigo-e2e/httpget:v1", "./e2e/testdata/httpget").expect(t, 0)
	in(t, store, "build", "-t", "unigo-e2e/hoard:v1", "./e2e/testdata/hoard").expect(t, 0)
	in(t, store, "build", "-t", "unigo-e2e/sigterm:v1", "./e2e/testdata/sigterm").expect(t, 0)
	in(t, store, "save", "-o", archive, "unigo-e2e/exitcode:v1", "unigo-e2e/httpd:v1", "unigo-e2e/httpget:v1", "unigo-e2e/hoard:v1", "unigo-e2e/sigterm:v1").expect(t, 0)
	// The pods' unikernel comes from a registry, as on a cluster: unigo
	// push, then crictl pull (containerd speaks plain HTTP to localhost).
	web := registry(t, "") + "/unigo-e2e/web:v1"
	in(t, store, "tag", "unigo-e2e/httpd:v1", web).expect(t, 0)
	in(t, store, "push", web).expect(t, 0)
	pause := plainImage(t, work, "pause", "docker.io/unigo-e2e/pause:v1")
	podclient := plainImage(t, work, "podclient", "docker.io/unigo-e2e/podclient:v1")
	httpget := plainImage(t, work, "httpget", "docker.io/unigo-e2e/httpget:plain")

	c := startContainerd(t, crictl, shimDir)
	for _, a := range []string{archive, pause, podclient, httpget} {
		if out, code := c.ctr(t, "images", "import", a); code != 0 {
			t.Fatalf("ctr images import %s: %s", a, out)
		}
	}

	// Plain containerd: ctr run of a unigo image, its output and exit code.
	t.Run("ctr", func(t *testing.T) {
		out, code := c.ctr(t, "run", "--rm", "--runtime", "io.containerd.unigo.v2", hello, "unigo-e2e-ctr")
		if code != 3 || !strings.Contains(out, "exiting with 3") {
			t.Errorf("ctr run exitcode: exit %d, want 3 and its line\n%s", code, out)
		}
		out, code = c.ctr(t, "run", "--rm", "--runtime", "io.containerd.unigo.v2", hello, "unigo-e2e-ctr0", "/.unigo/kernel", "0")
		if code != 0 || !strings.Contains(out, "exiting with 0") {
			t.Errorf("ctr run exitcode 0: exit %d\n%s", code, out)
		}

		// ctr task pause and resume: the VM's cgroup frozen and thawed.
		const id = "unigo-e2e-pause"
		if out, code := c.ctr(t, "run", "-d", "--runtime", "io.containerd.unigo.v2", httpd, id); code != 0 {
			t.Fatalf("ctr run -d: exit %d\n%s", code, out)
		}
		defer func() {
			c.ctr(t, "task", "kill", "-s", "SIGKILL", id)
			waitFor(t, "the paused task to stop", 30*time.Second, func() bool {
				out, _ := c.ctr(t, "task", "ls")
				return !strings.Contains(out, "RUNNING")
			})
			c.ctr(t, "task", "delete", "--force", id)
			c.ctr(t, "container", "delete", id)
		}()
		taskStatus := func() string {
			out, _ := c.ctr(t, "task", "ls")
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) == 3 && f[0] == id {
					return f[2]
				}
			}
			return "(none)\n" + out
		}
		for _, step := range []struct{ verb, want string }{{"pause", "PAUSED"}, {"resume", "RUNNING"}} {
			if out, code := c.ctr(t, "task", step.verb, id); code != 0 {
				t.Errorf("ctr task %s: exit %d\n%s", step.verb, code, out)
			}
			if got := taskStatus(); got != step.want {
				t.Errorf("after ctr task %s the task is %s, want %s", step.verb, got, step.want)
			}
		}
	})

	// CRI, as kubelet drives it: a pod with the runtime handler unigo (its
	// pause container under runc), the unigo container a VM on the pod's
	// network, reached from the host at the pod's IP.
	t.Run("cri", func(t *testing.T) {
		podJSON := filepath.Join(work, "pod.json")
		ctrJSON := filepath.Join(work, "httpd.json")
		logDir := filepath.Join(work, "pods", "web")
		must(t, os.MkdirAll(logDir, 0o755))
		must(t, os.WriteFile(podJSON, []byte(fmt.Sprintf(`{"metadata": {"name": "web", "namespace": "default", "uid": "unigo-e2e-web", "attempt": 0}, "log_directory": %q, "linux": {}}`, logDir)), 0o644))
		must(t, os.WriteFile(ctrJSON, []byte(fmt.Sprintf(`{"metadata": {"name": "httpd"}, "image": {"image": %q}, "log_path": "httpd.log", "linux": {}}`, web)), 0o644))
		c.crictl(t, "pull", web)
		pod := c.crictl(t, "runp", "--runtime", "unigo", podJSON)
		ctr := c.crictl(t, "create", pod, ctrJSON, podJSON)
		c.crictl(t, "start", ctr)
		var insp struct {
			Status struct {
				Network struct {
					IP string `json:"ip"`
				} `json:"network"`
			} `json:"status"`
		}
		must(t, json.Unmarshal([]byte(c.crictl(t, "inspectp", "-o", "json", pod)), &insp))
		ip := insp.Status.Network.IP
		if ip == "" {
			t.Fatal("the pod has no IP")
		}
		waitFor(t, "httpd's first line in crictl logs", 60*time.Second, func() bool {
			return strings.Contains(c.crictl(t, "logs", ctr), "listening on :8080")
		})
		var body string
		waitFor(t, "an HTTP 200 from the unikernel at the pod's IP "+ip, 30*time.Second, func() bool {
			cl := http.Client{Timeout: 2 * time.Second}
			resp, err := cl.Get("http://" + ip + ":8080/")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
			return resp.StatusCode == 200
		})
		if !strings.Contains(body, "Hello from a unigo unikernel") {
			t.Errorf("GET / at the pod's IP: %q", body)
		}
		// A sidecar of the pod, an ordinary container: runc runs it
		// through the pod's runc shim, in the pod, beside the VM; it
		// reaches the unikernel at localhost and at the pod's IP, as
		// containers of one pod reach each other.
		sideJSON := filepath.Join(work, "sidecar.json")
		must(t, os.WriteFile(sideJSON, []byte(`{"metadata": {"name": "sidecar"}, "image": {"image": "docker.io/unigo-e2e/podclient:v1"}, "args": [":8080/"], "log_path": "sidecar.log", "linux": {}}`), 0o644))
		side := c.crictl(t, "create", pod, sideJSON, podJSON)
		c.crictl(t, "start", side)
		var sideLog string
		waitFor(t, "the sidecar's two fetches", 90*time.Second, func() bool {
			sideLog = c.crictl(t, "logs", side)
			return strings.Contains(sideLog, "podip: ")
		})
		for _, want := range []string{"localhost: 200 Hello from a unigo unikernel!", "podip: 200 Hello from a unigo unikernel!"} {
			if !strings.Contains(sideLog, want) {
				t.Errorf("the sidecar's log lacks %q:\n%s", want, sideLog)
			}
		}
		// Pod to pod: a runc pod fetches from the unikernel at its pod's
		// IP, and a unikernel in a pod of its own from that pod's
		// sidecar, across the CNI bridge.
		for _, tt := range []struct{ name, runtime, image, url, want string }{
			{"runc-client", "runc", "docker.io/unigo-e2e/httpget:plain", "http://" + ip + ":8080/", "got Hello from a unigo unikernel!"},
			{"unigo-client", "unigo", "docker.io/unigo-e2e/httpget:v1", "http://" + ip + ":9090/", "got sidecar here"},
		} {
			dir := filepath.Join(work, "pods", tt.name)
			must(t, os.MkdirAll(dir, 0o755))
			pj := filepath.Join(work, tt.name+"-pod.json")
			cj := filepath.Join(work, tt.name+"-ctr.json")
			must(t, os.WriteFile(pj, []byte(fmt.Sprintf(`{"metadata": {"name": %q, "namespace": "default", "uid": "unigo-e2e-%s", "attempt": 0}, "log_directory": %q, "linux": {}}`, tt.name, tt.name, dir)), 0o644))
			must(t, os.WriteFile(cj, []byte(fmt.Sprintf(`{"metadata": {"name": "get"}, "image": {"image": %q}, "args": [%q], "log_path": "get.log", "linux": {}}`, tt.image, tt.url)), 0o644))
			p := c.crictl(t, "runp", "--runtime", tt.runtime, pj)
			id := c.crictl(t, "create", p, cj, pj)
			c.crictl(t, "start", id)
			waitFor(t, tt.name+" to finish", 90*time.Second, func() bool {
				return strings.Contains(c.crictl(t, "inspect", "-o", "go-template", "--template", "{{.status.state}}", id), "EXITED")
			})
			if logs := c.crictl(t, "logs", id); !strings.Contains(logs, tt.want) {
				t.Errorf("%s (%s) fetching %s: %s", tt.name, tt.runtime, tt.url, logs)
			}
			c.crictl(t, "rmp", "-f", p)
		}
		// The sidecar's own port stays the namespace's: reached from the
		// host at the pod's IP beside the unikernel's.
		cl := http.Client{Timeout: 5 * time.Second}
		if resp, err := cl.Get("http://" + ip + ":9090/"); err != nil {
			t.Errorf("the sidecar's port 9090 at the pod's IP: %v", err)
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "sidecar here" {
				t.Errorf("the sidecar's port 9090 at the pod's IP answered %q", b)
			}
		}
		c.crictl(t, "stop", side)
		if st := c.crictl(t, "inspect", "-o", "json", side); !strings.Contains(st, "CONTAINER_EXITED") {
			t.Errorf("the sidecar after stop:\n%s", st)
		}
		c.crictl(t, "rm", side)
		// Statistics from the container's cgroup: the container process
		// and QEMU.
		var stats struct {
			Stats []struct {
				Memory struct {
					WorkingSetBytes struct {
						Value string `json:"value"`
					} `json:"workingSetBytes"`
				} `json:"memory"`
			} `json:"stats"`
		}
		must(t, json.Unmarshal([]byte(c.crictl(t, "stats", "-o", "json", "--id", ctr)), &stats))
		if len(stats.Stats) != 1 {
			t.Errorf("crictl stats: %+v", stats)
		} else if ws, _ := strconv.ParseInt(stats.Stats[0].Memory.WorkingSetBytes.Value, 10, 64); ws < 8<<20 {
			t.Errorf("crictl stats: a working set of %d bytes, less than QEMU's", ws)
		}
		// The log file at kubelet's path, in CRI's format
		// (TIME STREAM TAG LINE).
		logFile, err := os.ReadFile(filepath.Join(logDir, "httpd.log"))
		must(t, err)
		if first, _, _ := strings.Cut(string(logFile), "\n"); !strings.Contains(first, " stdout F ") && !strings.Contains(first, " stderr F ") {
			t.Errorf("the container's log is not in CRI's format: %q", first)
		}
		c.crictl(t, "stop", "--timeout", "20", ctr)
		var cinsp struct {
			Status struct {
				State    string `json:"state"`
				ExitCode int    `json:"exitCode"`
				Reason   string `json:"reason"`
			} `json:"status"`
		}
		must(t, json.Unmarshal([]byte(c.crictl(t, "inspect", "-o", "json", ctr)), &cinsp))
		if cinsp.Status.State != "CONTAINER_EXITED" || cinsp.Status.ExitCode != 143 {
			t.Errorf("httpd after crictl stop: %+v, want exited with 143 (SIGTERM, no handler)", cinsp.Status)
		}
		c.crictl(t, "rm", ctr)
		c.crictl(t, "stopp", pod)
		c.crictl(t, "rmp", pod)
		waitFor(t, "the pod's shims and VM to end", 20*time.Second, func() bool {
			return len(shims(c.dir, shimDir)) == 0
		})
	})

	// How unikernels end, one after another in one pod (each after the
	// last: a pod's network has room for one VM at a time, as after a
	// restart): an app that reaches the pod's sidecar at the link's
	// namespace end and exits 0 ("Completed"), one that exits 3 ("Error"),
	// one that runs out of its memory limit ("OOMKilled", 137).
	t.Run("exit reasons", func(t *testing.T) {
		dir := filepath.Join(work, "pods", "reasons")
		must(t, os.MkdirAll(dir, 0o755))
		podJSON := filepath.Join(work, "pod3.json")
		must(t, os.WriteFile(podJSON, []byte(fmt.Sprintf(`{"metadata": {"name": "reasons", "namespace": "default", "uid": "unigo-e2e-reasons", "attempt": 0}, "log_directory": %q, "linux": {}}`, dir)), 0o644))
		pod := c.crictl(t, "runp", "--runtime", "unigo", podJSON)
		sideJSON := filepath.Join(work, "sidecar3.json")
		must(t, os.WriteFile(sideJSON, []byte(`{"metadata": {"name": "sidecar"}, "image": {"image": "docker.io/unigo-e2e/podclient:v1"}, "args": [":9090/"], "log_path": "sidecar.log", "linux": {}}`), 0o644))
		c.crictl(t, "start", c.crictl(t, "create", pod, sideJSON, podJSON))
		for _, tt := range []struct {
			name, image, extra string
			args               []string
			code               int
			reason, log        string
		}{
			{"fetch", "httpget", "", []string{"http://169.254.77.1:9090/"}, 0, "Completed", "got sidecar here"},
			{"three", "exitcode", "", []string{}, 3, "Error", "exiting with 3"},
			{"oom", "hoard", `"resources": {"memory_limit_in_bytes": 33554432}`, []string{}, 137, "OOMKilled", "holding 8 MiB"},
		} {
			args, _ := json.Marshal(tt.args)
			cfg := fmt.Sprintf(`{"metadata": {"name": %q}, "image": {"image": "docker.io/unigo-e2e/%s:v1"}, "log_path": "%s.log", "linux": {%s}`, tt.name, tt.image, tt.name, tt.extra)
			if len(tt.args) > 0 {
				cfg += fmt.Sprintf(`, "args": %s`, args)
			}
			cfgFile := filepath.Join(work, tt.name+".json")
			must(t, os.WriteFile(cfgFile, []byte(cfg+"}"), 0o644))
			id := c.crictl(t, "create", pod, cfgFile, podJSON)
			c.crictl(t, "start", id)
			var st struct {
				Status struct {
					State    string `json:"state"`
					ExitCode int    `json:"exitCode"`
					Reason   string `json:"reason"`
				} `json:"status"`
			}
			waitFor(t, tt.name+" to exit", 90*time.Second, func() bool {
				must(t, json.Unmarshal([]byte(c.crictl(t, "inspect", "-o", "json", id)), &st))
				return st.Status.State == "CONTAINER_EXITED"
			})
			if st.Status.ExitCode != tt.code || st.Status.Reason != tt.reason {
				t.Errorf("%s: exit code %d, reason %q; want %d, %q", tt.name, st.Status.ExitCode, st.Status.Reason, tt.code, tt.reason)
			}
			if logs := c.crictl(t, "logs", id); !strings.Contains(logs, tt.log) {
				t.Errorf("%s: the log lacks %q:\n%s", tt.name, tt.log, tail(logs, 10))
			}
			c.crictl(t, "rm", id)
		}
		// crictl stop: the app's SIGTERM handler runs, and its exit is
		// the container's.
		cfgFile := filepath.Join(work, "sigterm.json")
		must(t, os.WriteFile(cfgFile, []byte(`{"metadata": {"name": "sigterm"}, "image": {"image": "docker.io/unigo-e2e/sigterm:v1"}, "log_path": "sigterm.log", "linux": {}}`), 0o644))
		id := c.crictl(t, "create", pod, cfgFile, podJSON)
		c.crictl(t, "start", id)
		waitFor(t, "sigterm's first line", 60*time.Second, func() bool { return strings.Contains(c.crictl(t, "logs", id), "ready") })
		c.crictl(t, "stop", "--timeout", "30", id)
		if logs := c.crictl(t, "logs", id); !strings.Contains(logs, "got terminated") {
			t.Errorf("crictl stop: the app's SIGTERM handler did not run:\n%s", logs)
		}
		if st := c.crictl(t, "inspect", "-o", "go-template", "--template", "{{.status.exitCode}} {{.status.reason}}", id); st != "0 Completed" {
			t.Errorf("after crictl stop of an app that handles SIGTERM: %q, want 0 Completed", st)
		}
		c.crictl(t, "rm", id)
		c.crictl(t, "rmp", "-f", pod)
		waitFor(t, "the pod's shims to end", 20*time.Second, func() bool {
			return len(shims(c.dir, shimDir)) == 0
		})
	})

	// Ten pods at once, each a unikernel answering at its pod IP, then all
	// removed at once: no shim, container process, QEMU, network
	// namespace (with its tap) or mount is left.
	t.Run("ten pods", func(t *testing.T) {
		netnsBefore := len(netnsNames())
		errs := make(chan error, 10)
		for i := 0; i < 10; i++ {
			go func() { errs <- c.podLifecycle(work, fmt.Sprintf("many%d", i), httpd) }()
		}
		for i := 0; i < 10; i++ {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		waitFor(t, "the pods' shims, container processes and VMs to end", 30*time.Second, func() bool {
			return len(shims(c.dir, shimDir)) == 0
		})
		if n := len(netnsNames()); n != netnsBefore {
			t.Errorf("%d network namespaces after the pods went, %d before", n, netnsBefore)
		}
		for _, m := range mountsUnder(c.dir) {
			if strings.Contains(m, "/rootfs") {
				t.Errorf("a container's root file system is still mounted: %s", m)
			}
		}
	})

	// A shim killed under a running VM: containerd cleans its tasks up
	// (the shim's delete action), and no VM is left running.
	t.Run("killed shim", func(t *testing.T) {
		podJSON := filepath.Join(work, "pod2.json")
		must(t, os.MkdirAll(filepath.Join(work, "pods", "killed"), 0o755))
		ctrJSON := filepath.Join(work, "httpd2.json")
		must(t, os.WriteFile(podJSON, []byte(fmt.Sprintf(`{"metadata": {"name": "killed", "namespace": "default", "uid": "unigo-e2e-killed", "attempt": 0}, "log_directory": %q, "linux": {}}`, filepath.Join(work, "pods", "killed"))), 0o644))
		must(t, os.WriteFile(ctrJSON, []byte(fmt.Sprintf(`{"metadata": {"name": "httpd"}, "image": {"image": %q}, "log_path": "httpd.log", "linux": {}}`, web)), 0o644))
		c.crictl(t, "pull", web)
		pod := c.crictl(t, "runp", "--runtime", "unigo", podJSON)
		ctr := c.crictl(t, "create", pod, ctrJSON, podJSON)
		c.crictl(t, "start", ctr)
		waitFor(t, "httpd's first line in crictl logs", 60*time.Second, func() bool {
			return strings.Contains(c.crictl(t, "logs", ctr), "listening on :8080")
		})
		var shim, init []int
		for _, pid := range shims(shimDir) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if bytes.Contains(b, []byte("__init")) {
				init = append(init, pid)
			} else {
				shim = append(shim, pid)
			}
		}
		if len(shim) != 1 || len(init) != 1 {
			t.Fatalf("want one unigo shim and one container process, have %v and %v", shim, init)
		}
		qemu := childrenOf(init[0])
		if len(qemu) == 0 {
			t.Fatal("the container process has no QEMU")
		}
		syscall.Kill(shim[0], syscall.SIGKILL)
		waitFor(t, "the container process and QEMU to end after the shim was killed", 30*time.Second, func() bool {
			return !alive(init[0]) && !alive(qemu[0])
		})
		c.crictl(t, "rmp", "-f", pod)
		waitFor(t, "the pod's shims to end", 20*time.Second, func() bool {
			return len(shims(c.dir, shimDir)) == 0
		})
	})
}

// podLifecycle runs pod name with one unikernel of image (examples/httpd)
// as kubelet would: runp, create, start, its answer at the pod's IP, stop,
// rm, stopp, rmp.
func (c *privateContainerd) podLifecycle(work, name, image string) error {
	dir := filepath.Join(work, "pods", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	podJSON := filepath.Join(work, name+"-pod.json")
	ctrJSON := filepath.Join(work, name+"-ctr.json")
	os.WriteFile(podJSON, []byte(fmt.Sprintf(`{"metadata": {"name": %q, "namespace": "default", "uid": "unigo-e2e-%s", "attempt": 0}, "log_directory": %q, "linux": {}}`, name, name, dir)), 0o644)
	os.WriteFile(ctrJSON, []byte(fmt.Sprintf(`{"metadata": {"name": "web"}, "image": {"image": %q}, "log_path": "web.log", "linux": {}}`, image)), 0o644)
	pod, err := c.crictlErr("runp", "--runtime", "unigo", podJSON)
	if err != nil {
		return err
	}
	defer c.crictlRun("rmp", "-f", pod)
	ctr, err := c.crictlErr("create", pod, ctrJSON, podJSON)
	if err != nil {
		return err
	}
	if _, err := c.crictlErr("start", ctr); err != nil {
		return err
	}
	out, err := c.crictlErr("inspectp", "-o", "go-template", "--template", "{{.status.network.ip}}", pod)
	if err != nil {
		return err
	}
	url := "http://" + out + ":8080/"
	cl := http.Client{Timeout: 2 * time.Second}
	answered := false
	for deadline := time.Now().Add(120 * time.Second); !answered && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if resp, err := cl.Get(url); err == nil {
			answered = resp.StatusCode == 200
			resp.Body.Close()
		}
	}
	if !answered {
		return fmt.Errorf("pod %s: no answer at %s in 120 s", name, url)
	}
	for _, args := range [][]string{{"stop", ctr}, {"rm", ctr}, {"stopp", pod}, {"rmp", pod}} {
		if _, err := c.crictlErr(args...); err != nil {
			return err
		}
	}
	return nil
}

// childrenOf are a process's children (each thread's: a Go program forks
// from any of its threads).
func childrenOf(pid int) []int {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, p := range files {
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}
