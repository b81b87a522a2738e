package density

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/instance"
)

// unigoFleet runs the app's image as detached instances of a private
// unigo root, through the unigo command, as a user would: an instance is
// its QEMU and its monitor (`unigo __monitor NAME`).
type unigoFleet struct {
	cfg  Config
	bin  string
	root string
	app  *harness.App
	ref  string // the image in the store
}

func (u *unigoFleet) env() []string { return []string{"UNIGO_ROOT=" + u.root} }

// runArgs are the arguments of the run command of instance i, with its
// published port (port) or its tap device.
func (u *unigoFleet) runArgs(name string, i, port int) []string {
	args := []string{"run", "-d", "--name", name}
	if u.cfg.Net == NetTap {
		args = append(args, "--net", "tap:"+tapName(i), "--ip", fmt.Sprintf("%s/%d", tapAddr(i), tapBits))
	} else {
		args = append(args, "-p", fmt.Sprintf("127.0.0.1:%d:%d", port, u.cfg.GuestPort))
	}
	args = append(args, "--accel", u.cfg.Accel, "--machine", u.cfg.Machine, "--memory", u.cfg.Memory)
	if u.cfg.TCGCache != "" {
		args = append(args, "--tcg-cache", u.cfg.TCGCache)
	}
	return append(args, u.ref)
}

func (u *unigoFleet) prepare(ctx context.Context, s *Subject) error {
	// What an interrupted run may have left in the root goes first.
	if _, left, err := u.teardown(); err != nil || len(left) > 0 {
		return fmt.Errorf("the root %s holds instances of an earlier run that cannot be removed: %v %v", u.root, err, left)
	}
	u.ref = u.app.Name + ":density"
	if _, _, err := harness.Timed(ctx, 5*time.Minute, u.env(), u.bin, "build", "-t", u.ref, u.app.Dir); err != nil {
		return err
	}
	s.Label = "unigo run -d"
	s.How = fmt.Sprintf("the app's unigo image in the store of a private UNIGO_ROOT (%s); an instance is its QEMU and its monitor, found by the pids in its state (ROOT/instances/NAME/state.json)", u.root)
	s.Commands = []string{
		"unigo build -t " + u.ref + " " + u.cfg.App,
		"unigo " + strings.Join(u.runArgs("density-I", 0, 0), " "),
		"unigo ps",
		"unigo rm -f density-I",
	}
	r := strings.NewReplacer("127.0.0.1:0:", "127.0.0.1:PORT:", "tap:"+tapName(0), "tap:"+tapPrefix+"I", tapAddr(0).String(), "ADDR")
	s.Commands[1] = r.Replace(s.Commands[1])
	return nil
}

func (u *unigoFleet) start(ctx context.Context, m *member) error {
	_, _, err := harness.Timed(ctx, u.cfg.Timeout, u.env(), u.bin, u.runArgs(m.name, m.i, m.port)...)
	return err
}

func (u *unigoFleet) stopped(m *member) error {
	st, err := instance.Open(u.root).Get(m.name)
	if err != nil {
		return err
	}
	if st.Phase == instance.Exited {
		return fmt.Errorf("unigo ps: %s", st.Summary)
	}
	return nil
}

// procs takes each instance's monitor and QEMU from its state, or, should
// the state lack one, from the processes of the root (monitorsOf).
func (u *unigoFleet) procs(_ context.Context, ms []*member) error {
	is := instance.Open(u.root)
	var scanned map[string][]rolePid
	for _, m := range ms {
		m.pids = nil
		st, err := is.Get(m.name)
		if err == nil && st.Phase == instance.Running && st.Monitor.Alive() && st.VMM.Alive() {
			m.pids = []rolePid{{st.VMM.Pid, roleVM}, {st.Monitor.Pid, roleSupervisor}}
			continue
		}
		if scanned == nil {
			scanned = u.monitorsOf(scanProcs())
		}
		if m.pids = scanned[m.name]; len(m.pids) != 2 {
			return fmt.Errorf("instance %s: its monitor and QEMU are not both running (state: %v)", m.name, stateText(st, err))
		}
	}
	return nil
}

func stateText(st *instance.State, err error) string {
	if err != nil {
		return err.Error()
	}
	return st.Summary
}

// monitorsOf finds, among procs, the monitors of the root's instances (the
// unigo binary's `__monitor NAME`, with the root as UNIGO_ROOT or working
// directory) and their QEMU children, by instance name.
func (u *unigoFleet) monitorsOf(procs []hostProc) map[string][]rolePid {
	out := map[string][]rolePid{}
	byPid := map[int]string{}
	for _, p := range procs {
		n := len(p.args)
		if n >= 2 && p.args[n-2] == instance.MonitorArg && u.ofRoot(p) {
			out[p.args[n-1]] = append(out[p.args[n-1]], rolePid{p.pid, roleSupervisor})
			byPid[p.pid] = p.args[n-1]
		}
	}
	for _, p := range procs {
		if name, ok := byPid[p.stat.ppid]; ok && strings.HasPrefix(p.stat.comm, "qemu-system") {
			out[name] = append([]rolePid{{p.pid, roleVM}}, out[name]...)
		}
	}
	return out
}

// ofRoot reports whether p is a process of the root: a monitor (its
// UNIGO_ROOT, or its working directory) or a QEMU (its kernel is in the
// root's store).
func (u *unigoFleet) ofRoot(p hostProc) bool {
	if p.has("UNIGO_ROOT="+u.root) || p.cwd == u.root || strings.HasPrefix(p.cwd, u.root+"/") {
		return true
	}
	for _, a := range p.args {
		if strings.Contains(a, u.root+"/") {
			return true
		}
	}
	return false
}

func (u *unigoFleet) list(ctx context.Context) (int, error) {
	_, out, err := harness.Timed(ctx, time.Minute, u.env(), u.bin, "ps")
	if err != nil {
		return 0, err
	}
	return len(strings.Split(out, "\n")) - 1, nil // the header
}

// teardown removes every instance of the root, `unigo rm -f` at most four
// at once, then checks that no process of the root is left and that
// `unigo ps -a` lists nothing. Processes of the root that outlive their
// instance are killed, and reported as left.
func (u *unigoFleet) teardown() (int, []string, error) {
	ents, err := os.ReadDir(filepath.Join(u.root, "instances"))
	if err != nil && !os.IsNotExist(err) {
		return 0, nil, err
	}
	var left []string
	var mu sync.Mutex
	names := make(chan string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				if out, err := u.detached("rm", "-f", name); err != nil {
					mu.Lock()
					left = append(left, fmt.Sprintf("instance %s (unigo rm -f: %v: %s)", name, err, out))
					mu.Unlock()
				}
			}
		}()
	}
	n := 0
	for _, e := range ents {
		// A name that starts with a dot is an instance half made, not one
		// (unigo sweeps them).
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names <- e.Name()
			n++
		}
	}
	close(names)
	wg.Wait()
	// A monitor answers a moment before it exits.
	var procs []hostProc
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		procs = procs[:0]
		for _, p := range scanProcs() {
			if u.ofRoot(p) && p.pid != os.Getpid() {
				procs = append(procs, p)
			}
		}
		if len(procs) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, p := range procs {
		left = append(left, "process "+p.String())
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	if out, err := u.detached("ps", "-a"); err != nil {
		left = append(left, fmt.Sprintf("unigo ps -a fails: %v: %s", err, out))
	} else if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) > 1 {
		left = append(left, "instances in unigo ps -a: "+strings.Join(lines[1:], ", "))
	}
	return n, left, nil
}

// detached runs unigo with the root, as detachedCommand does.
func (u *unigoFleet) detached(args ...string) (string, error) {
	return detachedCommand(u.env(), u.bin, args...)
}
