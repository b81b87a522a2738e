package density

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// A fleet is one subject's way of starting, finding and removing its
// instances; the driver does the rest, the same for every subject.
type fleet interface {
	// prepare makes what the instances run (an image) and says how the
	// subject runs them, in s.Label, s.How and s.Commands.
	prepare(ctx context.Context, s *Subject) error
	// start starts instance m, returning when its start command returns.
	start(ctx context.Context, m *member) error
	// stopped says why m can no longer answer (nil: it may), which ends
	// the wait for its first 200.
	stopped(m *member) error
	// procs finds the host processes of each instance, with their roles.
	procs(ctx context.Context, ms []*member) error
	// list runs the subject's list command once, and returns how many
	// instances it listed.
	list(ctx context.Context) (int, error)
	// teardown removes every instance of the subject, those a start left
	// half made too, and whatever the subject built; it returns how many
	// it removed and what is left.
	teardown() (removed int, left []string, err error)
}

// Roles of the processes of an instance.
const (
	roleVM         = "vm"         // QEMU, or the container's app process
	roleSupervisor = "supervisor" // the unigo monitor; containerd-shim, docker-proxy
)

// member is one instance of a fleet.
type member struct {
	i    int
	name string
	port int    // its published loopback port (NetUser)
	addr string // where it answers: 127.0.0.1:port, or its own address and the guest port (NetTap)

	began    time.Time     // its start command was launched
	returned time.Duration // its start command took
	startErr error
	ready    time.Duration // from began to the first 200
	readyErr error

	pids  []rolePid
	info  Instance
	ticks map[int]int64 // CPU ticks of each process at the window's start
}

type rolePid struct {
	pid  int
	role string
}

func (m *member) answered() bool { return m.startErr == nil && m.readyErr == nil && m.ready > 0 }

// driver runs the benchmark on one fleet.
type driver struct {
	cfg      Config
	f        fleet
	s        *Subject
	progress func(string, ...any)
	members  []*member

	mu       sync.Mutex // guards first and last
	first    time.Time  // the first start command of the current batch was launched
	last     time.Time  // the last start command returned
	started  atomic.Int32
	answered atomic.Int32
}

// run measures the fleet; whatever happens, everything it started is
// removed before it returns.
func (d *driver) run(ctx context.Context) (err error) {
	key := d.s.Key
	if d.cfg.Net == NetTap && key != harness.Container { // containers are on Docker's bridge
		if err := makeTaps(d.cfg.Count); err != nil {
			return err
		}
		// Removed after the instances (deferred calls run last first).
		defer func() {
			if rerr := removeTaps(); err == nil {
				err = rerr
			}
		}()
	}
	if err := d.f.prepare(ctx, d.s); err != nil {
		return err
	}
	defer func() {
		if terr := d.teardown(); err == nil {
			err = terr
		}
	}()
	before, err := readMeminfo()
	if err != nil {
		return err
	}
	d.s.Metrics["avail_before"] = measure.Value("%.2f GiB", float64(before.available)/(1<<30))
	if d.cfg.Net == NetTap {
		for i := range d.cfg.Count {
			addr := net.JoinHostPort(tapAddr(i).String(), strconv.Itoa(d.cfg.GuestPort))
			d.members = append(d.members, &member{i: i, name: fmt.Sprintf("density-%d", i), addr: addr})
		}
	} else {
		ports, err := freePorts(d.cfg.Count)
		if err != nil {
			return err
		}
		for i, p := range ports {
			d.members = append(d.members, &member{i: i, name: fmt.Sprintf("density-%d", i), port: p, addr: fmt.Sprintf("127.0.0.1:%d", p)})
		}
	}

	// The probe: the first instances, started and measured before the
	// others to learn what each takes.
	probe := min(probeCount, d.cfg.Count)
	d.progress("%s: starting the first %d to measure them", key, probe)
	var wg sync.WaitGroup
	probeWall, _ := d.startBatch(ctx, 0, probe, false, &wg)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, m := range d.members[:probe] {
		if !m.answered() {
			return fmt.Errorf("%s did not answer: %v", m.name, cmp.Or(m.startErr, m.readyErr))
		}
	}
	if err := d.f.procs(ctx, d.members[:probe]); err != nil {
		return err
	}
	var private []int64
	for _, m := range d.members[:probe] {
		var sum int64
		for _, p := range m.pids {
			pm, err := readMem(p.pid)
			if err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			sum += pm.private
		}
		private = append(private, sum)
	}
	now, err := readMeminfo()
	if err != nil {
		return err
	}
	per := perInstance(private, before.available, now.available)
	d.progress("%s: the first %d take about %s each; MemAvailable %s", key, probe, report.HumanBytes(float64(per)), gib(now.available))
	count := d.cfg.Count
	if err := checkFit(count, probe, per, now.available, reserve); err != nil {
		if !d.cfg.Fill {
			return &refusal{err.Error()}
		}
		count = max(fitCount(per, now.available, reserve, probe), probe)
		note := fmt.Sprintf("--fill: %d of the %d asked fit in memory (%s each, MemAvailable %s less %s in reserve); %d started", count, d.cfg.Count,
			report.HumanBytes(float64(per)), gib(now.available), gib(reserve), count)
		d.s.Notes = append(d.s.Notes, note)
		d.progress("%s: %s", key, note)
	}

	// The others, at most Parallel start commands in flight.
	wall, stopped, batch := probeWall, "", d.members[:probe]
	if probe < count {
		wall, stopped = d.startBatch(ctx, probe, count, true, &wg)
		batch = d.members[probe:count]
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if stopped != "" {
		d.s.Notes = append(d.s.Notes, stopped)
	}
	started := 0
	for _, m := range batch {
		if !m.began.IsZero() && m.startErr == nil {
			started++
		}
	}
	return d.measure(ctx, started, wall)
}

// refusal is the memory guard's refusal of a count.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// startBatch starts the members [from, to), at most Parallel at once, and
// sets each one waiting for its first 200 (wg counts those waits). With
// guard it starts no more once MemAvailable is under the floor, and says
// so in stopped. wall is the time from the first start's launch to the
// last one's return.
func (d *driver) startBatch(ctx context.Context, from, to int, guard bool, wg *sync.WaitGroup) (wall time.Duration, stopped string) {
	d.mu.Lock()
	d.first, d.last = time.Time{}, time.Time{}
	d.mu.Unlock()
	jobs := make(chan *member)
	var workers sync.WaitGroup
	lastPrint := time.Now()
	var printMu sync.Mutex
	for range d.cfg.Parallel {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for m := range jobs {
				m.began = time.Now()
				d.mu.Lock()
				if d.first.IsZero() {
					d.first = m.began
				}
				d.mu.Unlock()
				m.startErr = d.f.start(ctx, m)
				m.returned = time.Since(m.began)
				d.mu.Lock()
				d.last = time.Now()
				d.mu.Unlock()
				if m.startErr != nil {
					if ctx.Err() != nil {
						continue // interrupted, not failed
					}
					d.progress("%s: %s did not start: %v", d.s.Key, m.name, m.startErr)
					continue
				}
				n := d.started.Add(1)
				wg.Add(1)
				go func() { defer wg.Done(); d.await(ctx, m) }()
				printMu.Lock()
				if time.Since(lastPrint) >= time.Second || int(n) == to || n%10 == 0 {
					lastPrint = time.Now()
					d.mu.Lock()
					rate := float64(int(n)-from) / time.Since(d.first).Seconds()
					d.mu.Unlock()
					d.progress("%s: started %d/%d (%.1f/s), %d answering", d.s.Key, n, to, rate, d.answered.Load())
				}
				printMu.Unlock()
			}
		}()
	}
feed:
	for _, m := range d.members[from:to] {
		if guard {
			if mi, err := readMeminfo(); err == nil && mi.available < floor {
				stopped = fmt.Sprintf("stopped starting after %d of %d: MemAvailable %s is under %s", m.i, d.cfg.Count, gib(mi.available), gib(floor))
				d.progress("%s: %s", d.s.Key, stopped)
				break
			}
		}
		select {
		case jobs <- m:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	workers.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last.Sub(d.first), stopped
}

// client asks the instances, each request on a new connection.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// get sends GET / to the instance at addr and reads the answer.
func get(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// await polls m until it answers GET / with 200, stops running, or its
// time is up.
func (d *driver) await(ctx context.Context, m *member) {
	deadline := m.began.Add(d.cfg.Timeout)
	lastCheck := time.Now()
	var last error
	for {
		if last = get(ctx, m.addr, time.Second); last == nil {
			m.ready = time.Since(m.began)
			d.answered.Add(1)
			return
		}
		if ctx.Err() != nil {
			m.readyErr = ctx.Err()
			return
		}
		if time.Since(lastCheck) > time.Second {
			lastCheck = time.Now()
			if err := d.f.stopped(m); err != nil {
				m.readyErr = fmt.Errorf("%s stopped before answering (last: %v): %w", m.name, last, err)
				return
			}
		}
		if time.Now().After(deadline) {
			m.readyErr = fmt.Errorf("%w: %s gave no 200 within %v (last: %v)", measure.ErrTimeout, m.name, d.cfg.Timeout, last)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// measure reads the memory, idle CPU and host of the instances that
// answered, pokes them and times the list command; batch instances were
// started in wall (the start throughput).
func (d *driver) measure(ctx context.Context, batch int, wall time.Duration) error {
	s, key := d.s, d.s.Key
	var held []*member
	launched := 0
	var failure error
	for _, m := range d.members {
		if m.began.IsZero() {
			continue // not started: the memory floor, or an interruption
		}
		launched++
		if m.startErr == nil {
			s.Started++
			s.Add("start", m.returned.Seconds())
		}
		if m.answered() {
			held = append(held, m)
			s.Add("ready", m.ready.Seconds())
		} else {
			failure = cmp.Or(failure, m.startErr, m.readyErr)
		}
	}
	s.Answered = len(held)
	d.recordInstances()
	if failure != nil {
		s.Notes = append(s.Notes, fmt.Sprintf("%d of %d instances started did not answer; the first: %v", launched-len(held), launched, failure))
	}
	answered := measure.Value("%.0f", float64(len(held)))
	answered.Note = fmt.Sprintf("of %d asked", d.cfg.Count)
	s.Metrics["answered"] = answered
	if wall > 0 {
		s.Metrics["start_rate"] = measure.Value("%.2f /s", float64(batch)/wall.Seconds())
	}
	if len(held) == 0 {
		return fmt.Errorf("no instance answered")
	}
	d.progress("%s: %d/%d answer GET /; idling %v", key, len(held), d.cfg.Count, d.cfg.Settle)
	if err := sleep(ctx, d.cfg.Settle); err != nil {
		return err
	}

	// Memory.
	if err := d.f.procs(ctx, held); err != nil {
		return err
	}
	var rssAll, pssAll int64
	for _, m := range held {
		var vm, sup int64
		m.info.Procs = nil
		for _, p := range m.pids {
			pm, err := readMem(p.pid)
			if err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			m.info.RSS += pm.rss
			m.info.PSS += pm.pss
			if p.role == roleVM {
				vm += pm.pss
			} else {
				sup += pm.pss
			}
			st, _ := readStat(p.pid)
			m.info.Procs = append(m.info.Procs, ProcInfo{Pid: p.pid, Role: p.role, Name: st.comm, RSS: pm.rss, PSS: pm.pss})
		}
		s.Add("rss", float64(m.info.RSS))
		s.Add("pss", float64(m.info.PSS))
		s.Add("pss_vm", float64(vm))
		s.Add("pss_sup", float64(sup))
		rssAll += m.info.RSS
		pssAll += m.info.PSS
	}
	s.Metrics["rss_total"] = measure.Value("%.2f GiB", float64(rssAll)/(1<<30))
	s.Metrics["pss_total"] = measure.Value("%.2f GiB", float64(pssAll)/(1<<30))
	d.progress("%s: PSS %s, RSS %s for %d instances; measuring idle CPU over %v", key, gib(pssAll), gib(rssAll), len(held), d.cfg.Window)

	// Idle CPU.
	for _, m := range held {
		m.ticks = map[int]int64{}
		for _, p := range m.pids {
			st, err := readStat(p.pid)
			if err != nil {
				return fmt.Errorf("%s: process %d: %w", m.name, p.pid, err)
			}
			m.ticks[p.pid] = st.ticks
		}
	}
	t0 := time.Now()
	if err := sleep(ctx, d.cfg.Window); err != nil {
		return err
	}
	window := time.Since(t0)
	var ticksAll int64
	for _, m := range held {
		var ticks int64
		for i, p := range m.pids {
			st, err := readStat(p.pid)
			if err != nil {
				return fmt.Errorf("%s: process %d ended in the idle window: %w", m.name, p.pid, err)
			}
			delta := st.ticks - m.ticks[p.pid]
			ticks += delta
			m.info.Procs[i].CPU = float64(delta) / clockTicks
		}
		ticksAll += ticks
		m.info.IdleCPU = float64(ticks) / clockTicks / window.Minutes()
		s.Add("idle_cpu", m.info.IdleCPU)
	}
	s.Metrics["idle_cpu_all"] = measure.Value("%.2f%%", 100*float64(ticksAll)/clockTicks/window.Seconds())

	running, err := readMeminfo()
	if err != nil {
		return err
	}
	before := int64(*s.Metrics["avail_before"].Value * (1 << 30))
	s.Metrics["avail_running"] = measure.Value("%.2f GiB", float64(running.available)/(1<<30))
	drop := measure.Value("%.1f MiB", float64(before-running.available)/float64(len(held))/(1<<20))
	if running.available > before {
		drop.Note = "MemAvailable rose: other work on the host freed more than the instances took"
		s.Notes = append(s.Notes, "MemAvailable's fall per instance is negative: "+drop.Note)
	}
	s.Metrics["avail_drop"] = drop
	swap := measure.Value("bytes", float64(running.swapUsed()))
	swap.Note = fmt.Sprintf("SwapTotal %s", gib(running.swapTotal))
	s.Metrics["swap"] = swap
	if running.swapUsed() > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("swap in use with all running: %s (it must stay 0)", gib(running.swapUsed())))
	}
	d.progress("%s: idle CPU %.2f%% of one core for all; MemAvailable %s (was %s); poking %d at random", key,
		*s.Metrics["idle_cpu_all"].Value, gib(running.available), gib(before), min(d.cfg.Pokes, len(held)))

	// Pokes.
	var pokes []float64
	slow, pokeFails := 0, 0
	var pokeErr error
	for _, j := range rand.Perm(len(held))[:min(d.cfg.Pokes, len(held))] {
		m := held[j]
		t := time.Now()
		if err := get(ctx, m.addr, 10*time.Second); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pokeFails++
			pokeErr = cmp.Or(pokeErr, fmt.Errorf("%s: %w", m.name, err))
			continue
		}
		v := time.Since(t).Seconds()
		m.info.Poke = v
		pokes = append(pokes, v)
		s.Add("poke", v)
		if v > 1 {
			slow++
		}
	}
	if len(pokes) > 0 {
		s.Metrics["poke_p99"] = measure.Value("s", percentile(pokes, 99))
		s.Metrics["poke_max"] = measure.Value("s", slices.Max(pokes))
		s.Metrics["poke_slow"] = measure.Value("%.0f", float64(slow))
	}
	if pokeFails > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d of %d pokes failed; the first: %v", pokeFails, pokeFails+len(pokes), pokeErr))
	}

	// The list command.
	for range 3 {
		t := time.Now()
		n, err := d.f.list(ctx)
		if errors.Is(err, errNoList) {
			s.Metrics["list"] = measure.NA("s", "n/a: %v", err)
			break
		}
		if err != nil {
			return err
		}
		s.Add("list", time.Since(t).Seconds())
		if n != len(held) {
			s.Notes = append(s.Notes, fmt.Sprintf("the list command listed %d instances, %d answered", n, len(held)))
		}
	}
	d.recordInstances()
	return nil
}

// recordInstances copies what the members measured into the report.
func (d *driver) recordInstances() {
	d.s.Instances = d.s.Instances[:0]
	for _, m := range d.members {
		if m.began.IsZero() {
			continue // never started
		}
		m.info.Name, m.info.Port, m.info.Addr = m.name, m.port, m.addr
		m.info.Start, m.info.Ready, m.info.Error = m.returned.Seconds(), m.ready.Seconds(), ""
		if err := cmp.Or(m.startErr, m.readyErr); err != nil {
			m.info.Error = err.Error()
		}
		d.s.Instances = append(d.s.Instances, m.info)
	}
}

// teardown removes everything the fleet started and records how long it
// took and what is left.
func (d *driver) teardown() error {
	d.progress("%s: removing every instance", d.s.Key)
	t := time.Now()
	removed, left, err := d.f.teardown()
	d.s.Metrics["remove"] = measure.Value("s", time.Since(t).Seconds())
	if err == nil && len(left) > 0 {
		err = fmt.Errorf("left behind after removing: %s", strings.Join(left, "; "))
	}
	if err != nil {
		d.progress("%s: %v", d.s.Key, err)
		return err
	}
	d.s.Notes = append(d.s.Notes, fmt.Sprintf("removed %d instances in %s; nothing left", removed, time.Since(t).Round(time.Millisecond)))
	d.progress("%s: removed %d instances in %v; nothing left", d.s.Key, removed, time.Since(t).Round(time.Millisecond))
	return nil
}

// sleep waits for d or the end of ctx.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// Published ports are taken from [portLow, portHigh): below Linux's usual
// ephemeral range (32768–60999), so no outgoing connection of the host
// takes one meanwhile.
const (
	portLow  = 20000
	portHigh = 32768
)

// freePorts returns n loopback TCP ports that are free now, checked one
// by one by listening on them.
func freePorts(n int) ([]int, error) {
	var ports []int
	for p := portLow; p < portHigh && len(ports) < n; p++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		ports = append(ports, p)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("only %d free loopback ports in %d–%d, %d needed", len(ports), portLow, portHigh-1, n)
	}
	return ports, nil
}
