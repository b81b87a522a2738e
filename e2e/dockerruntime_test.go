package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"unigo.dev/unigo/ociruntime"
)

const daemonJSON = "/etc/docker/daemon.json"

// dockerRuntime registers this unigo as the Docker engine's runtime
// "unigo-e2e" (daemon.json's "runtimes", reloaded by SIGHUP) and returns
// its name; the daemon's configuration is restored when the test ends,
// whether it passed or not.
func dockerRuntime(t *testing.T) string {
	t.Helper()
	if err := exec.Command("docker", "version").Run(); err != nil {
		t.Fatalf("the Docker engine does not answer (docker version: %v): start it", err)
	}
	const name = "unigo-e2e"
	old, err := os.ReadFile(daemonJSON)
	existed := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	cfg := map[string]any{}
	if existed {
		if err := json.Unmarshal(old, &cfg); err != nil {
			t.Fatalf("%s is not JSON: %v", daemonJSON, err)
		}
	}
	runtimes, _ := cfg["runtimes"].(map[string]any)
	if runtimes == nil {
		runtimes = map[string]any{}
	}
	runtimes[name] = map[string]any{"path": unigoBin, "runtimeArgs": []string{"runtime"}}
	cfg["runtimes"] = runtimes
	data, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(daemonJSON, data, 0o644); err != nil {
		t.Fatalf("cannot register the runtime in %s (the test needs root): %v", daemonJSON, err)
	}
	t.Cleanup(func() {
		// dockerd keeps its runtimes when a reload finds no "runtimes" key:
		// reload once with the original's own runtimes (none: {}), then
		// put the original file back as it was.
		delete(runtimes, name)
		data, _ := json.MarshalIndent(cfg, "", "  ")
		os.WriteFile(daemonJSON, data, 0o644)
		reloadDocker(t, name, false)
		if existed {
			os.WriteFile(daemonJSON, old, 0o644)
		} else {
			os.Remove(daemonJSON)
		}
	})
	reloadDocker(t, name, true)
	return name
}

// reloadDocker makes dockerd read daemon.json again and waits until the
// runtime is (or is no longer) among its runtimes.
func reloadDocker(t *testing.T, runtime string, want bool) {
	t.Helper()
	out, err := exec.Command("pidof", "dockerd").Output()
	if err != nil {
		t.Fatalf("pidof dockerd: %v", err)
	}
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			syscall.Kill(pid, syscall.SIGHUP)
		}
	}
	for i := 0; i < 100; i++ {
		info, _ := exec.Command("docker", "info", "--format", "{{json .Runtimes}}").Output()
		if strings.Contains(string(info), `"`+runtime+`"`) == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("dockerd did not %s the runtime %s after SIGHUP", map[bool]string{true: "take", false: "drop"}[want], runtime)
}

// `docker run --runtime=unigo` boots unigo images that Docker loaded from
// `unigo save`: the app's output and exit code, docker logs, docker stop
// running the app's SIGTERM handler; exec refused; a plain image refused.
func TestDockerRunRuntime(t *testing.T) {
	rt := dockerRuntime(t)
	root := t.TempDir()
	images := []string{"unigo-e2e/exitcode:v1", "unigo-e2e/sigterm:v1", "unigo-e2e/plain:v1", "unigo-e2e/httpd:v1", "unigo-e2e/httpget:v1", "unigo-e2e/shareapp:v1", "unigo-e2e/netconf:v1", "unigo-e2e/stdin:v1", "unigo-e2e/hoard:v1"}
	t.Cleanup(func() { exec.Command("docker", append([]string{"rmi", "-f"}, images...)...).Run() })
	in(t, root, "build", "-t", images[0], "./e2e/testdata/exitcode").expect(t, 0)
	in(t, root, "build", "-t", images[1], "./e2e/testdata/sigterm").expect(t, 0)
	archive := filepath.Join(t.TempDir(), "images.tar")
	in(t, root, "build", "-t", images[3], "./examples/httpd").expect(t, 0)
	in(t, root, "build", "-t", images[4], "./e2e/testdata/httpget").expect(t, 0)
	in(t, root, "build", "-t", images[5], "./e2e/testdata/shareapp").expect(t, 0)
	in(t, root, "build", "-t", images[6], "./e2e/testdata/netconf").expect(t, 0)
	in(t, root, "build", "-t", images[7], "./e2e/testdata/stdin").expect(t, 0)
	in(t, root, "build", "-t", images[8], "./e2e/testdata/hoard").expect(t, 0)
	in(t, root, "save", "-o", archive, images[0], images[1], images[3], images[4], images[5], images[6], images[7], images[8]).expect(t, 0)
	docker := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("docker", args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("docker %v: %v", args, err)
		}
		return out.String(), code
	}
	if out, code := docker("load", "-i", archive); code != 0 {
		t.Fatalf("docker load: %s", out)
	}

	// The app's output and exit code; args from docker run reach os.Args.
	if out, code := docker("run", "--rm", "--runtime="+rt, images[0]); code != 3 || !strings.Contains(out, "exiting with 3") {
		t.Errorf("docker run exitcode: exit %d\n%s", code, out)
	}
	if out, code := docker("run", "--rm", "--runtime="+rt, images[0], "0"); code != 0 || !strings.Contains(out, "exiting with 0") {
		t.Errorf("docker run exitcode 0: exit %d\n%s", code, out)
	}

	// --memory is the VM's memory: an app that outgrows it ends as an
	// out-of-memory kill does (137), with the kernel's report.
	if out, code := docker("run", "--rm", "--runtime="+rt, "--memory", "32m", images[8]); code != 137 || !strings.Contains(out, "out of memory") {
		t.Errorf("docker run --memory 32m of an app that hoards: exit %d, want 137\n%s", code, tail(out, 600))
	}

	// docker run -i: the app reads the container's stdin to its end;
	// without -i it reads end-of-file at once.
	in := exec.Command("docker", "run", "-i", "--rm", "--runtime="+rt, images[7])
	in.Stdin = strings.NewReader("piped into docker run -i\nsecond line\n")
	if out, err := in.CombinedOutput(); err != nil || !strings.Contains(string(out), `read 37 bytes`) || !strings.Contains(string(out), `first line "piped into docker run -i"`) {
		t.Errorf("docker run -i: %v\n%s", err, out)
	}
	if out, code := docker("run", "--rm", "--runtime="+rt, images[7]); code != 0 || !strings.Contains(out, "read 0 bytes") {
		t.Errorf("docker run without -i: exit %d\n%s", code, out)
	}

	// The guest's card has the container network's MTU (the engine's
	// "mtu", 1500 unless set), through the card's VIRTIO_NET_F_MTU.
	mtu, _ := docker("network", "inspect", "bridge", "--format", `{{index .Options "com.docker.network.driver.mtu"}}`)
	if mtu = strings.TrimSpace(mtu); mtu == "" || mtu == "<no value>" {
		mtu = "1500"
	}
	if out, code := docker("run", "--rm", "--runtime="+rt, images[6], "mtu", "eth0"); code != 0 || !strings.Contains(out, "mtu eth0: "+mtu+"\n") {
		t.Errorf("the guest's MTU on a network of MTU %s: exit %d\n%s", mtu, code, out)
	}

	// -v: a bind mount of a host directory and a named volume, written by
	// the guest, read on the host once the container has stopped.
	bind := t.TempDir()
	const vol = "unigo-e2e-share"
	t.Cleanup(func() { exec.Command("docker", "volume", "rm", "-f", vol).Run() })
	if out, code := docker("run", "--rm", "--runtime="+rt, "-v", bind+":/data", "-v", vol+":/vol", images[5], "multi", "/data", "/vol"); code != 0 || !strings.Contains(out, `/data: "hello /data\n"`) {
		t.Errorf("docker run -v: exit %d\n%s", code, out)
	}
	if got, err := os.ReadFile(filepath.Join(bind, "hello.txt")); err != nil || string(got) != "hello /data\n" {
		t.Errorf("the bind mount's file on the host: %q %v", got, err)
	}
	mp, _ := docker("volume", "inspect", "--format", "{{.Mountpoint}}", vol)
	if got, err := os.ReadFile(filepath.Join(strings.TrimSpace(mp), "hello.txt")); err != nil || string(got) != "hello /vol\n" {
		t.Errorf("the named volume's file on the host: %q %v", got, err)
	}

	// -t: the terminal comes through the engine's console socket.
	if out, code := docker("run", "-t", "--rm", "--runtime="+rt, images[0], "5"); code != 5 || !strings.Contains(out, "exiting with 5") {
		t.Errorf("docker run -t: exit %d\n%s", code, out)
	}

	// detached starts a container with docker run -d and waits for line in
	// its logs; it is removed when the test ends.
	detached := func(line string, args ...string) string {
		t.Helper()
		out, code := docker(append([]string{"run", "-d", "--runtime=" + rt}, args...)...)
		if code != 0 {
			t.Fatalf("docker run -d %v: %s", args, out)
		}
		id := strings.TrimSpace(out)
		t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
		waitFor(t, fmt.Sprintf("%q in docker logs", line), 60*time.Second, func() bool {
			logs, _ := docker("logs", id)
			return strings.Contains(logs, line)
		})
		return id
	}

	// Detached: logs, stop (the app's SIGTERM handler runs), its exit code.
	id := detached("ready", images[1])
	if out, code := docker("exec", id, "ls"); code == 0 || !strings.Contains(out, "not possible in a unikernel") {
		t.Errorf("docker exec: exit %d\n%s", code, out)
	}
	// docker stats counts the VM: QEMU is in the container's cgroup.
	if out, code := docker("stats", "--no-stream", "--format", "{{.MemUsage}}", id); code != 0 || !regexp.MustCompile(`^[0-9.]+MiB /`).MatchString(strings.TrimSpace(out)) {
		t.Errorf("docker stats: exit %d, %q; want the VM's memory in MiB", code, out)
	}
	if out, code := docker("stop", "-t", "20", id); code != 0 {
		t.Fatalf("docker stop: %s", out)
	}
	if logs, _ := docker("logs", id); !strings.Contains(logs, "got terminated") {
		t.Errorf("docker logs after stop lacks the SIGTERM handler's line:\n%s", logs)
	}
	if out, _ := docker("inspect", "--format", "{{.State.ExitCode}} {{.State.Status}}", id); strings.TrimSpace(out) != "0 exited" {
		t.Errorf("docker inspect after stop: %s", out)
	}
	if out, code := docker("rm", id); code != 0 {
		t.Errorf("docker rm: %s", out)
	}

	// The VM takes the container's network: docker run -p reaches it from
	// the host through Docker's port mapping.
	port := freePort(t)
	web := detached("listening on :8080", "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), "--memory", "64m", images[3])
	// The container's cgroup bounds the VM and QEMU: --memory and QEMU's
	// allowance.
	pid, _ := docker("inspect", "--format", "{{.State.Pid}}", web)
	if limit, err := cgroupMemoryLimit(strings.TrimSpace(pid)); err != nil || limit != 64<<20+ociruntime.QEMUOverhead {
		t.Errorf("the container's cgroup memory limit: %d, %v; want 64 MiB and QEMU's %d", limit, err, ociruntime.QEMUOverhead)
	}
	// QEMU runs chrooted in a view of its own: the host's programs and
	// libraries, a few devices, the image; not the host's /etc, /root,
	// /home or /var, nor its processes (its /proc is its own PID
	// namespace's: QEMU alone).
	if n, _ := strconv.Atoi(strings.TrimSpace(pid)); n > 0 {
		qemu := childrenOf(n)
		if len(qemu) != 1 {
			t.Errorf("the container process has %d children, want QEMU alone", len(qemu))
		} else {
			root := fmt.Sprintf("/proc/%d/root", qemu[0])
			if _, err := os.Stat(root + "/usr/bin"); err != nil {
				t.Errorf("QEMU's view lacks /usr/bin: %v", err)
			}
			for _, p := range []string{"/etc/passwd", "/root", "/home", "/var/lib/docker/volumes", "/run/docker.sock", "/proc/2"} {
				if _, err := os.Stat(root + p); err == nil {
					t.Errorf("QEMU sees the host's %s", p)
				}
			}
			if b, err := os.ReadFile(root + "/proc/1/cmdline"); err != nil || !strings.Contains(string(b), "qemu-system") {
				t.Errorf("QEMU's /proc/1 is not QEMU: %q %v", b, err)
			}
		}
	}
	var body string
	waitFor(t, "an HTTP 200 through docker run -p", 30*time.Second, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 200
	})
	if !strings.Contains(body, "Hello from a unigo unikernel") {
		t.Errorf("GET / through -p: %q", body)
	}
	// docker pause freezes the VM (its cgroup): no answer until unpause.
	if out, code := docker("pause", web); code != 0 {
		t.Errorf("docker pause: %s", out)
	}
	if out, _ := docker("inspect", "--format", "{{.State.Status}}", web); strings.TrimSpace(out) != "paused" {
		t.Errorf("docker inspect after pause: %s", out)
	}
	quick := &http.Client{Timeout: 2 * time.Second}
	if resp, err := quick.Get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err == nil {
		resp.Body.Close()
		t.Errorf("a paused unikernel answered: %s", resp.Status)
	}
	if out, code := docker("unpause", web); code != 0 {
		t.Errorf("docker unpause: %s", out)
	}
	if resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || resp.StatusCode != 200 {
		t.Errorf("after docker unpause: %v", err)
	} else {
		resp.Body.Close()
	}
	if out, code := docker("update", "--cpu-shares", "512", web); code == 0 || !strings.Contains(out, "fixed when it boots") {
		t.Errorf("docker update: exit %d\n%s", code, out)
	}
	if out, code := docker("stop", web); code != 0 {
		t.Errorf("docker stop httpd: %s", out)
	}
	if out, _ := docker("inspect", "--format", "{{.State.ExitCode}}", web); strings.TrimSpace(out) != "143" {
		t.Errorf("httpd (no SIGTERM handler) after docker stop: exit %s, want 143 as with runc", out)
	}

	// QEMU killed under the container: the container ends, and says why.
	victim := detached("ready", "--memory", "48m", images[1])
	initPid, _ := docker("inspect", "--format", "{{.State.Pid}}", victim)
	qemu, err := exec.Command("pgrep", "-P", strings.TrimSpace(initPid)).Output()
	if err != nil {
		t.Fatalf("no QEMU under the container process %s: %v", initPid, err)
	}
	if args, _ := os.ReadFile("/proc/" + strings.Fields(string(qemu))[0] + "/cmdline"); !bytes.Contains(args, []byte("-m\x0048M")) {
		t.Errorf("docker run --memory 48m: QEMU's command line has no -m 48M: %q", args)
	}
	exec.Command("kill", "-9", strings.Fields(string(qemu))[0]).Run()
	waitFor(t, "the container to end", 30*time.Second, func() bool {
		st, _ := docker("inspect", "--format", "{{.State.Status}}", victim)
		return strings.TrimSpace(st) == "exited"
	})
	if out, _ := docker("inspect", "--format", "{{.State.ExitCode}}", victim); strings.TrimSpace(out) != "125" {
		t.Errorf("exit code after QEMU was killed: %s, want 125", out)
	}
	if logs, _ := docker("logs", victim); !strings.Contains(logs, "QEMU was killed by signal 9") {
		t.Errorf("docker logs after QEMU was killed:\n%s", logs)
	}

	// The container process killed: its QEMU ends with it (the parent
	// death signal, carried into the confined QEMU).
	orphan := detached("ready", images[1])
	initPid, _ = docker("inspect", "--format", "{{.State.Pid}}", orphan)
	if n, _ := strconv.Atoi(strings.TrimSpace(initPid)); n > 0 {
		kids := childrenOf(n)
		if len(kids) != 1 {
			t.Errorf("the container process has %d children, want QEMU alone", len(kids))
		} else {
			syscall.Kill(n, syscall.SIGKILL)
			waitFor(t, "QEMU to end with its container process", 10*time.Second, func() bool { return !alive(kids[0]) })
		}
	}

	// Twenty at once, each removed: nothing left behind.
	errs := make(chan string, 20)
	for i := 0; i < 20; i++ {
		go func() {
			out, err := exec.Command("docker", "run", "--rm", "--runtime="+rt, images[0], "0").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "exiting with 0") {
				errs <- fmt.Sprintf("%v: %s", err, out)
				return
			}
			errs <- ""
		}()
	}
	for i := 0; i < 20; i++ {
		if e := <-errs; e != "" {
			t.Errorf("one of 20 concurrent containers: %s", e)
		}
	}
	if left, _ := exec.Command("pgrep", "-f", unigoBin+" runtime .*__init").Output(); len(bytes.TrimSpace(left)) > 0 {
		t.Errorf("container processes left after 20 --rm containers: %s", left)
	}

	// docker-compose: an ordinary container (runc) reaches the unikernel by
	// its service name on their network, and a unikernel a runc container,
	// through Docker's DNS.
	compose(t, rt, images[3], images[4])

	// A plain container image: refused, saying what to do.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x"), []byte("hi"), 0o644)
	imp := exec.Command("sh", "-c", "tar -C "+dir+" -c x | docker import --change 'CMD [\"/x\"]' - "+images[2])
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	if out, code := docker("run", "--rm", "--runtime="+rt, images[2]); code == 0 || !strings.Contains(out, "holds no unigo image") || !strings.Contains(out, "unigo build -t") {
		t.Errorf("a plain image: exit %d\n%s", code, out)
	}

	// A plain image whose command is a static executable: booted unmodified,
	// with its arguments, environment and working directory
	// (docs/exec-design.md).
	w := newFromWork(t)
	w.compileC(t, "prog", "musl-gcc", "musl-tools", "-static")
	if err := os.WriteFile(filepath.Join(w.dir, "note.txt"), []byte("in the image\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	static := w.dockerImage(t, "runtime", fromDockerfile, "prog", "note.txt")
	out, code := docker("run", "--rm", "--runtime="+rt, "-e", "GREETING=hi", static, "x")
	for _, want := range []string{"arg1=x\n", "GREETING=hi\n", "cwd=/data\n", "note=in the image\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("docker run of a plain static image: no %q in its output (exit %d):\n%s", want, code, out)
		}
	}
	if code != 3 {
		t.Errorf("docker run of a plain static image: exit %d, want 3\n%s", code, out)
	}
}

// compose runs a docker-compose project on one network: web, the unigo
// httpd image on runtime rt, and client, a FROM scratch image of
// e2e/testdata/httpget under runc, which fetches http://web:8080/; then
// plainweb, the plain httpd binary under runc, and uniget, the unigo image
// of httpget on rt, which fetches http://plainweb:8080/: the guest's name
// server is Docker's embedded DNS, through the runtime's relay; then
// sidecar, httpget under runc in web's network namespace, which fetches
// http://localhost:8080/.
func compose(t *testing.T, rt, web, getter string) {
	t.Helper()
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose is not installed: apt-get install docker-compose")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "httpget"), "./e2e/testdata/httpget")
	build.Dir, build.Env = repoRoot, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build httpget: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY httpget /httpget\nENTRYPOINT [\"/httpget\"]\n"), 0o644)
	plain := filepath.Join(dir, "plainweb")
	os.MkdirAll(plain, 0o755)
	build = exec.Command("go", "build", "-o", filepath.Join(plain, "httpd"), "./examples/httpd")
	build.Dir, build.Env = repoRoot, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build httpd: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(plain, "Dockerfile"), []byte("FROM scratch\nCOPY httpd /httpd\nENTRYPOINT [\"/httpd\"]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(`version: "2.4"
services:
  web:
    image: `+web+`
    runtime: `+rt+`
  client:
    build: .
    command: ["http://web:8080/"]
    depends_on: [web]
  plainweb:
    build: plainweb
  uniget:
    image: `+getter+`
    runtime: `+rt+`
    command: ["http://plainweb:8080/"]
    depends_on: [plainweb]
  sidecar:
    build: .
    command: ["http://localhost:8080/"]
    network_mode: "service:web"
    depends_on: [web]
`), 0o644)
	project := fmt.Sprintf("unigoe2e%d", os.Getpid())
	dc := func(args ...string) (string, error) {
		cmd := exec.Command("docker-compose", append([]string{"-p", project}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0", "COMPOSE_DOCKER_CLI_BUILD=0")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { dc("down", "--rmi", "local", "--volumes", "--remove-orphans") })
	out, err := dc("up", "--build", "--abort-on-container-exit", "--exit-code-from", "client", "web", "client")
	if err != nil || !strings.Contains(out, "got Hello from a unigo unikernel!") {
		t.Errorf("docker-compose up: %v\n%s", err, out)
	}
	out, err = dc("up", "--build", "--abort-on-container-exit", "--exit-code-from", "uniget", "plainweb", "uniget")
	if err != nil || !strings.Contains(out, "got Hello from a unigo unikernel!") {
		t.Errorf("docker-compose up (the unikernel as the client): %v\n%s", err, out)
	}
	// A container in the unikernel's network namespace (network_mode
	// service:web, docker run --network container:ID) reaches it at
	// localhost, as a pod's sidecar does; web boots again for it, in a
	// new namespace.
	out, err = dc("up", "--build", "--abort-on-container-exit", "--exit-code-from", "sidecar", "web", "sidecar")
	if err != nil || !strings.Contains(out, "got Hello from a unigo unikernel!") {
		t.Errorf("docker-compose up (a container in the unikernel's namespace, at localhost): %v\n%s", err, out)
	}
}

// cgroupMemoryLimit reads the memory limit of process pid's cgroup
// (cgroup v1's memory controller, or v2's unified hierarchy).
func cgroupMemoryLimit(pid string) (int64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		file := ""
		switch {
		case slices.Contains(strings.Split(f[1], ","), "memory"):
			file = filepath.Join("/sys/fs/cgroup/memory", f[2], "memory.limit_in_bytes")
		case f[0] == "0" && f[1] == "":
			file = filepath.Join("/sys/fs/cgroup", f[2], "memory.max")
		default:
			continue
		}
		v, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		return strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
	}
	return 0, fmt.Errorf("no memory cgroup for process %s", pid)
}
