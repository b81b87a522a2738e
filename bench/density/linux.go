package density

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/internal/memsize"
	"unigo.dev/unigo/vmm"
)

// linuxFleet runs the same plain binary as the Linux microVMs of the
// benchmarks' Linux baseline: Debian's cloud kernel, the benchmark's
// helper as /init setting up the virtio-net card and executing the app,
// on the same QEMU machine, TCG code cache and card as the unigo
// instances (`unigo run -p`'s, QEMU's user network with one forward; or
// with --net tap the tap card `unigo run --net tap:NAME --ip ADDR` gives),
// with the memory it needs (Config.LinuxMemory). An instance is its QEMU
// process alone; nothing supervises it but this benchmark, which starts
// each QEMU itself.
type linuxFleet struct {
	cfg   Config
	app   *harness.App
	dir   string
	linux *harness.LinuxBaseline

	m  harness.Machine
	vm harness.VM

	mu  sync.Mutex
	vms map[string]*harness.Watched
}

func newLinuxFleet(cfg Config, app *harness.App, dir string, r *Report) (*linuxFleet, error) {
	f := &linuxFleet{cfg: cfg, app: app, dir: dir, vms: map[string]*harness.Watched{},
		linux: &harness.LinuxBaseline{CacheDir: cfg.LinuxCacheDir, TSCKHz: r.Host.TSCKHz, TSCSource: r.Host.TSCSource}}
	var err error
	f.m, err = harness.NewMachine(cfg.Machine, cfg.Accel, filepath.Join(dir, "unused-unigo-root"))
	if cfg.TCGCache != "" {
		n, _ := memsize.Parse(cfg.TCGCache) // checked by SetDefaults
		f.m.TCGCacheMiB = int(n >> 20)
	}
	return f, err
}

func (l *linuxFleet) memMiB() int {
	n, _ := memsize.Parse(l.cfg.LinuxMemory) // checked by SetDefaults
	return int(n >> 20)
}

func (l *linuxFleet) prepare(ctx context.Context, s *Subject) error {
	base, err := l.linux.Artifact(ctx, l.app, l.dir)
	if err != nil {
		return err
	}
	k, err := l.linux.Kernel(ctx)
	if err != nil {
		return err
	}
	mods, err := k.NetModules(ctx)
	if err != nil {
		return err
	}
	helper, err := harness.BuildHelper(ctx, l.dir)
	if err != nil {
		return err
	}
	vm := *base.VM
	vm.Spec.Initrd = filepath.Join(l.dir, l.app.Name+".net.initramfs.cpio")
	if err := harness.HelperInitramfs(vm.Spec.Initrd, helper, l.app, mods); err != nil {
		return err
	}
	vm.Spec.Cmdline.Tokens = append(vm.Spec.Cmdline.Tokens[:len(vm.Spec.Cmdline.Tokens):len(vm.Spec.Cmdline.Tokens)],
		fmt.Sprintf("PORT=%d", l.cfg.GuestPort))
	l.vm = vm
	s.Label = "Linux microVM"
	s.How = base.How + "; the initramfs holds the virtio-net drivers and the benchmark's helper as /init, which sets up the card and executes the app; each VM has the card `unigo run -p 127.0.0.1:PORT:" +
		fmt.Sprint(l.cfg.GuestPort) + "` gives a unigo VM, and is one QEMU process started by the benchmark (no monitor)"
	card, err := l.card(0, 1) // port 1 stands for each VM's own
	if err != nil {
		return err
	}
	cl := strings.Join(l.m.CommandLine(ctx, l.vm, harness.Boot{MemMiB: l.memMiB(), Net: card}), " ")
	s.Commands = []string{strings.NewReplacer("127.0.0.1:1-", "127.0.0.1:PORT-", tapName(0), tapPrefix+"I", tapAddr(0).String(), "ADDR").Replace(cl)}
	s.Notes = append(s.Notes, "the start command is the benchmark's own: it starts QEMU and returns once the app answers GET / (so that at most --parallel Linux VMs boot at once); its time and the start throughput are not comparable with a subject's command, start to first 200 is")
	return nil
}

func (l *linuxFleet) start(ctx context.Context, m *member) error {
	card, err := l.card(m.i, m.port)
	if err != nil {
		return err
	}
	w, err := l.m.Start(ctx, l.vm, harness.Boot{MemMiB: l.memMiB(), Net: card})
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.vms[m.name] = w
	l.mu.Unlock()
	// Its start ends when it answers, as a boot does: a QEMU is started
	// at once, and otherwise every Linux VM would boot at the same time,
	// each slowing all the others down beyond the time limit.
	for deadline := m.began.Add(l.cfg.Timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if get(ctx, m.addr, time.Second) == nil {
			return nil
		}
		if !w.Running() {
			return fmt.Errorf("QEMU exited; %s", w.Diag())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return fmt.Errorf("gave no 200 within %v", l.cfg.Timeout)
}

// card is instance i's card: the one `unigo run -p` gives, on its
// published port, or the one `unigo run --net tap:NAME --ip ADDR` gives.
func (l *linuxFleet) card(i, port int) (*vmm.NetSpec, error) {
	if l.cfg.Net == NetTap {
		return harness.TapCard(tapName(i), fmt.Sprintf("%s/%d", tapAddr(i), tapBits))
	}
	return harness.PublishedCard(port, l.cfg.GuestPort)
}

func (l *linuxFleet) stopped(m *member) error {
	l.mu.Lock()
	w := l.vms[m.name]
	l.mu.Unlock()
	if w == nil {
		return errors.New("never started")
	}
	if !w.Running() {
		return fmt.Errorf("QEMU exited; %s", w.Diag())
	}
	return nil
}

func (l *linuxFleet) procs(_ context.Context, ms []*member) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range ms {
		w := l.vms[m.name]
		if w == nil || !w.Running() {
			return fmt.Errorf("%s: its QEMU is not running", m.name)
		}
		m.pids = []rolePid{{w.Pid(), roleVM}}
	}
	return nil
}

// errNoList is the list of a subject without a list command.
var errNoList = errors.New("no list command: the benchmark starts each QEMU itself, and nothing else knows them")

func (l *linuxFleet) list(context.Context) (int, error) { return 0, errNoList }

// teardown stops every QEMU (SIGKILL: a VM has nothing to flush here), at
// most eight at once, and checks that none is left.
func (l *linuxFleet) teardown() (int, []string, error) {
	l.mu.Lock()
	vms := l.vms
	l.vms = map[string]*harness.Watched{}
	l.mu.Unlock()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, w := range vms {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.Stop()
		}()
	}
	wg.Wait()
	// Every QEMU of this run boots the run's initramfs: one still running
	// (of this run, or of an earlier one interrupted beyond its cleanup)
	// is left behind.
	var left []string
	for _, p := range scanProcs() {
		if strings.HasPrefix(p.stat.comm, "qemu-system") && slices.Contains(p.args, l.vm.Spec.Initrd) {
			left = append(left, "process "+p.String())
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
	return len(vms), left, nil
}
