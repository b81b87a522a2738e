package density

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"unigo.dev/unigo/bench/harness"
)

// containerFleet runs the same app, built plain and static, in a FROM
// scratch image, as Docker containers with runc, each publishing its port
// on 127.0.0.1. A container is its app process and the host processes that
// exist for it alone: its containerd-shim, its docker-proxy (Docker's
// userland proxy of the published port) and, when Docker stores images
// with fuse-overlayfs, the FUSE process of its root file system. Docker's
// daemons (dockerd, containerd), shared by all containers, are not
// counted.
type containerFleet struct {
	cfg     Config
	app     *harness.App
	dir     string
	version string
	label   string // unigo.bench.density=RUN: every container of this run has it
	tag     string
	rmi     func()
}

// newContainerFleet checks that a Docker engine answers: runc alone
// publishes no ports.
func newContainerFleet(ctx context.Context, cfg Config, app *harness.App, dir string) (fleet, error) {
	rt, err := harness.ChooseRuntime(ctx, harness.RuntimeDocker)
	if err != nil {
		return nil, fmt.Errorf("%v: runc alone publishes no ports, which every instance here needs", err)
	}
	return &containerFleet{cfg: cfg, app: app, dir: dir, version: rt.Version,
		label: fmt.Sprintf("unigo.bench.density=%d-%d", os.Getpid(), time.Now().UnixNano())}, nil
}

// runArgs are the arguments of the run command of a container: with its
// published port, or (NetTap) on Docker's bridge, reached at its address.
func (c *containerFleet) runArgs(name string, port int) []string {
	args := []string{"run", "-d", "--pull", "never", "--runtime", "runc", "--name", name, "--label", c.label}
	if c.cfg.Net != NetTap {
		args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:%d", port, c.cfg.GuestPort))
	}
	return append(args, c.tag)
}

func (c *containerFleet) prepare(ctx context.Context, s *Subject) error {
	tag, rmi, err := harness.DockerImage(ctx, c.app, c.dir)
	if err != nil {
		return err
	}
	c.tag, c.rmi = tag, rmi
	s.Label = "Docker " + c.version
	s.How = "Docker engine " + c.version + " with runc, an image built FROM scratch holding only the plain static binary as /app, no memory limit; a container is its app process, its containerd-shim, its docker-proxy and its fuse-overlayfs (when Docker's storage driver is fuse-overlayfs), found from docker inspect (.State.Pid, .GraphDriver.Data.MergedDir) and /proc; dockerd and containerd, shared by all, are not counted"
	if c.cfg.Net == NetTap {
		s.How += "; with --net tap, on Docker's default bridge without -p (so no docker-proxy), reached at its address there"
	}
	s.Commands = []string{
		"docker " + strings.Replace(strings.Join(c.runArgs("density-RUN-I", 0), " "), "127.0.0.1:0:", "127.0.0.1:PORT:", 1),
		"docker ps --filter label=" + c.label,
		"docker rm -f ID...",
	}
	return nil
}

func (c *containerFleet) name(m *member) string {
	return fmt.Sprintf("density-%s-%d", strings.TrimPrefix(c.label, "unigo.bench.density="), m.i)
}

func (c *containerFleet) start(ctx context.Context, m *member) error {
	m.name = c.name(m)
	_, _, err := harness.Timed(ctx, c.cfg.Timeout, nil, "docker", c.runArgs(m.name, m.port)...)
	if err != nil || c.cfg.Net != NetTap {
		return err
	}
	_, ip, err := harness.Timed(ctx, time.Minute, nil, "docker", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", m.name)
	if err != nil {
		return err
	}
	if ip == "" {
		return fmt.Errorf("container %s has no address on Docker's bridge", m.name)
	}
	m.addr = net.JoinHostPort(ip, strconv.Itoa(c.cfg.GuestPort))
	return nil
}

func (c *containerFleet) stopped(*member) error { return nil } // the wait for the first 200 times out

// procs finds each container's processes: docker inspect gives the app's
// pid and the root file system's mount point; its parent is the shim; the
// docker-proxy is the one of its host port; the fuse-overlayfs the one
// mounted on that mount point.
func (c *containerFleet) procs(ctx context.Context, ms []*member) error {
	args := []string{"inspect", "-f", "{{.Name}} {{.State.Pid}} {{.GraphDriver.Data.MergedDir}}"}
	for _, m := range ms {
		args = append(args, m.name)
	}
	_, out, err := harness.Timed(ctx, time.Minute, nil, "docker", args...)
	if err != nil {
		return err
	}
	type found struct {
		pid    int
		merged string
	}
	byName := map[string]found{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		pid, _ := strconv.Atoi(f[1])
		fd := found{pid: pid}
		if len(f) > 2 && f[2] != "<no" {
			fd.merged = f[2]
		}
		byName[strings.TrimPrefix(f[0], "/")] = fd
	}
	procs := scanProcs()
	byPid := map[int]hostProc{}
	proxies, fuses := map[string]int{}, map[string]int{}
	for _, p := range procs {
		byPid[p.pid] = p
		switch p.stat.comm {
		case "docker-proxy":
			if p.arg("-host-ip") == "127.0.0.1" {
				proxies[p.arg("-host-port")] = p.pid
			}
		case "fuse-overlayfs":
			if len(p.args) > 0 {
				fuses[p.args[len(p.args)-1]] = p.pid
			}
		}
	}
	for _, m := range ms {
		fd, ok := byName[m.name]
		app, live := byPid[fd.pid]
		if !ok || fd.pid <= 0 || !live {
			return fmt.Errorf("container %s: no running process (docker inspect: %q)", m.name, out)
		}
		m.pids = []rolePid{{fd.pid, roleVM}}
		if shim, ok := byPid[app.stat.ppid]; ok && strings.HasPrefix(shim.stat.comm, "containerd-shim") {
			m.pids = append(m.pids, rolePid{shim.pid, roleSupervisor})
		} else {
			return fmt.Errorf("container %s: its process %d has no containerd-shim as parent", m.name, fd.pid)
		}
		if pid, ok := proxies[strconv.Itoa(m.port)]; ok {
			m.pids = append(m.pids, rolePid{pid, roleSupervisor})
		}
		if pid, ok := fuses[fd.merged]; ok && fd.merged != "" {
			m.pids = append(m.pids, rolePid{pid, roleSupervisor})
		}
	}
	return nil
}

// ids lists the run's containers, running or not.
func (c *containerFleet) ids(ctx context.Context, all bool) ([]string, error) {
	args := []string{"ps", "-q", "--filter", "label=" + c.label}
	if all {
		args = append(args, "-a")
	}
	_, out, err := harness.Timed(ctx, time.Minute, nil, "docker", args...)
	if err != nil || out == "" {
		return nil, err
	}
	return strings.Split(out, "\n"), nil
}

func (c *containerFleet) list(ctx context.Context) (int, error) {
	ids, err := c.ids(ctx, false)
	return len(ids), err
}

// teardown removes the run's containers, ten to a `docker rm -f`, at most
// four at once, then checks that none is left, and removes the image.
func (c *containerFleet) teardown() (int, []string, error) {
	ctx := context.Background()
	ids, err := c.ids(ctx, true)
	if err != nil {
		return 0, nil, err
	}
	var left []string
	var mu sync.Mutex
	chunks := make(chan []string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				if out, err := detachedCommand(nil, "docker", append([]string{"rm", "-f"}, chunk...)...); err != nil {
					mu.Lock()
					left = append(left, fmt.Sprintf("docker rm -f: %v: %s", err, out))
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < len(ids); i += 10 {
		chunks <- ids[i:min(i+10, len(ids))]
	}
	close(chunks)
	wg.Wait()
	if rest, err := c.ids(ctx, true); err != nil {
		left = append(left, "docker ps -a fails: "+err.Error())
	} else if len(rest) > 0 {
		left = append(left, "containers "+strings.Join(rest, ", "))
	}
	if c.rmi != nil {
		c.rmi()
	}
	return len(ids), left, nil
}

// detachedCommand runs a command, with env added to its environment, in a
// process group of its own, so that a second Ctrl-C at the terminal does
// not end the commands that clean up after the first.
func detachedCommand(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
