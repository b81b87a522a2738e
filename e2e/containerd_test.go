package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"unigo.dev/unigo/internal/containerdserver"
)

// The containerd shim (containerd-shim-unigo-v2) under a private containerd
// started by the test — Debian's containerd 1.6 with its own root, state
// and socket in a temporary directory, its CRI plugin with the unigo
// runtime handler and CNI from Debian's containernetworking-plugins (a
// bridge of its own) — driven by ctr and, as kubelet drives it, by crictl.

// containerdTools finds what the test needs, or fails naming what is
// missing and how to get it.
func containerdTools(t *testing.T) {
	t.Helper()
	if _, err := containerdserver.FindTools(); err != nil {
		t.Fatalf("the containerd tests: %v", err)
	}
}

// privateContainerd is the test's containerd, with its ctr and crictl as
// the test calls them.
type privateContainerd struct{ *containerdserver.Server }

// startContainerd starts the private containerd with the shim on its PATH
// and registers its teardown (containerdserver's Stop), whether the test
// passed or not: each process or mount Stop had to remove fails the test.
func startContainerd(t *testing.T, shimDir string) *privateContainerd {
	t.Helper()
	dir, err := os.MkdirTemp("", "unigo-containerd-")
	must(t, err)
	s, err := containerdserver.Start(dir, shimDir, "docker.io/unigo-e2e/pause:v1")
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, l := range s.Stop() {
			t.Error(l)
		}
		if t.Failed() {
			t.Logf("containerd's log (last 6000 bytes):\n%s", tail(s.Log(), 6000))
		}
	})
	return &privateContainerd{s}
}

// ctr runs ctr against the private containerd in CRI's namespace.
func (c *privateContainerd) ctr(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, code, err := c.Ctr(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return out, code
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
	return c.Crictl(context.Background(), args...)
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
	out := filepath.Join(dir, prog+".tar")
	must(t, containerdserver.ScratchImage(bin, prog, ref, out))
	return out
}

func TestContainerdShim(t *testing.T) {
	containerdTools(t)
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
	kernelname := plainImage(t, work, "kernelname", "docker.io/unigo-e2e/kernelname:plain")

	c := startContainerd(t, shimDir)
	for _, a := range []string{archive, pause, podclient, httpget, kernelname} {
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
		// An ordinary image asked to boot unmodified by its annotation.
		out, code = c.ctr(t, "run", "--rm", "--runtime", "io.containerd.unigo.v2", "--annotation", "unigo.dev/unikernel=true",
			"docker.io/unigo-e2e/kernelname:plain", "unigo-e2e-ctr-unmodified")
		if code != 0 || !strings.Contains(out, "-unigo") {
			t.Errorf("ctr run of a plain image with unigo.dev/unikernel=true: exit %d, want its kernel unigo's\n%s", code, out)
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
			return len(c.Shims()) == 0
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
			return len(c.Shims()) == 0
		})
	})

	// An ordinary image of a static program in a unigo pod: a sidecar
	// under runc, unless the pod's unigo.dev/unikernels annotation names
	// the container; then its command boots unmodified in a VM
	// (docs/exec-design.md), whose kernel says it is unigo's.
	t.Run("unmodified", func(t *testing.T) {
		dir := filepath.Join(work, "pods", "unmodified")
		must(t, os.MkdirAll(dir, 0o755))
		podJSON := filepath.Join(work, "pod-unmodified.json")
		must(t, os.WriteFile(podJSON, []byte(fmt.Sprintf(`{"metadata": {"name": "unmodified", "namespace": "default", "uid": "unigo-e2e-unmodified", "attempt": 0}, "annotations": {"unigo.dev/unikernels": "vm"}, "log_directory": %q, "linux": {}}`, dir)), 0o644))
		pod := c.crictl(t, "runp", "--runtime", "unigo", podJSON)
		for _, tt := range []struct{ name, want string }{{"vm", "-unigo"}, {"sidecar", ""}} {
			cfgFile := filepath.Join(work, "unmodified-"+tt.name+".json")
			must(t, os.WriteFile(cfgFile, []byte(fmt.Sprintf(`{"metadata": {"name": %q}, "image": {"image": "docker.io/unigo-e2e/kernelname:plain"}, "log_path": "%s.log", "linux": {}}`, tt.name, tt.name)), 0o644))
			id := c.crictl(t, "create", pod, cfgFile, podJSON)
			c.crictl(t, "start", id)
			waitFor(t, tt.name+" to exit", 90*time.Second, func() bool {
				return c.crictl(t, "inspect", "-o", "go-template", "--template", "{{.status.state}}", id) == "CONTAINER_EXITED"
			})
			logs := c.crictl(t, "logs", id)
			unikernel := strings.Contains(logs, "-unigo")
			if !strings.Contains(logs, "kernel ") || unikernel != (tt.want != "") {
				t.Errorf("%s: want a unikernel %v; its log:\n%s", tt.name, tt.want != "", tail(logs, 10))
			}
			if st := c.crictl(t, "inspect", "-o", "go-template", "--template", "{{.status.exitCode}}", id); st != "0" {
				t.Errorf("%s: exit code %s, want 0", tt.name, st)
			}
			c.crictl(t, "rm", id)
		}
		c.crictl(t, "rmp", "-f", pod)
		waitFor(t, "the pod's shims to end", 20*time.Second, func() bool {
			return len(c.Shims()) == 0
		})
	})

	// Ten pods at once, each a unikernel answering at its pod IP, then all
	// removed at once: no shim, container process, QEMU, network
	// namespace (with its tap) or mount is left.
	t.Run("ten pods", func(t *testing.T) {
		netnsBefore := len(containerdserver.NetNamespaces())
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
			return len(c.Shims()) == 0
		})
		if n := len(containerdserver.NetNamespaces()); n != netnsBefore {
			t.Errorf("%d network namespaces after the pods went, %d before", n, netnsBefore)
		}
		for _, m := range c.Mounts() {
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
		for _, pid := range c.Shims() {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if !bytes.Contains(b, []byte(shimDir)) {
				continue // the pod's runc shim
			}
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
			return len(c.Shims()) == 0
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
	defer c.crictlErr("rmp", "-f", pod)
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
