package compare

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/internal/benchtest"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
	"unigo.dev/unigo/kernel/syscalls"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

// TestRunCompare runs `unigo bench compare` on examples/hello with two runs,
// for real (Docker or runc, QEMU, Debian's cloud kernel), and checks that
// every measurement of every subject is a value or n/a with a reason, never a
// zero standing in for "not measured".
func TestRunCompare(t *testing.T) {
	benchtest.Real(t, "runs containers and VMs, fetches a Debian kernel")
	out := t.TempDir()
	var progress bytes.Buffer
	start := time.Now()
	r, err := Run(context.Background(), Config{
		App:           "../../examples/hello",
		IdleApp:       "../../examples/idle",
		Runs:          2,
		Out:           out,
		MemoryConfirm: 1,
		MemoryBudget:  15 * time.Second,
		Settle:        500 * time.Millisecond,
		Progress:      &progress,
	})
	var back Report
	benchtest.ReadBack(t, start, &progress, r, err, out, &back)
	if len(back.Subjects) != 4 {
		t.Fatalf("results.json has %d subjects, want 4", len(back.Subjects))
	}
	for i, key := range []string{harness.Native, harness.Container, harness.Linux, harness.Unigo} {
		s := back.Subjects[i]
		if s.Key != key {
			t.Errorf("subject %d is %q, want %q", i, s.Key, key)
		}
		for _, nm := range s.metrics() {
			benchtest.CheckMetric(t, s.Key+" "+nm.name, *nm.m, nm.name == "executables" || nm.name == "shell")
		}
		for _, nm := range s.metrics()[1:5] { // HTTP, not asked for
			if !strings.Contains(nm.m.NA, "--http") {
				t.Errorf("%s %s without --http: %+v, want n/a naming --http", s.Key, nm.name, *nm.m)
			}
		}
	}
	// The subjects that run wherever QEMU does must really have been measured.
	for _, s := range []*Subject{back.Subjects[0], back.Subjects[3]} {
		for _, nm := range s.metrics() {
			if nm.name == "first_http" || nm.name == "requests_per_s" || nm.name == "p50" || nm.name == "p99" {
				continue
			}
			if !nm.m.OK() {
				t.Errorf("%s %s: n/a: %s", s.Key, nm.name, nm.m.NA)
			}
		}
	}
	u := back.Subjects[3]
	if u.Syscalls.OK() && int(*u.Syscalls.Value) != len(syscalls.Implemented()) {
		t.Errorf("unigo system calls = %v, want len(syscalls.Implemented()) = %d", *u.Syscalls.Value, len(syscalls.Implemented()))
	}
	if u.Shell.OK() && *u.Shell.Value != 0 {
		t.Errorf("unigo has a shell: %s", u.Shell.Note)
	}

	// The chart is well-formed SVG with a panel per measured row.
	svg, err := os.ReadFile(filepath.Join(out, "chart.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := benchtest.WellFormed(svg); err != nil {
		t.Errorf("chart.svg: %v", err)
	}
	for _, row := range back.rows() {
		if !bytes.Contains(svg, []byte(html.EscapeString(row.short))) {
			t.Errorf("chart.svg lacks the panel %q", row.short)
		}
	}

	// Nothing the benchmark made in Docker is left behind.
	if back.Subjects[1].Label == "container (Docker)" {
		imgs, _ := exec.Command("docker", "images", "--format", "{{.Repository}}:{{.Tag}}").Output()
		if prefix := fmt.Sprintf("unigo-bench/hello:%d-", os.Getpid()); bytes.Contains(imgs, []byte(prefix)) {
			t.Errorf("docker images still lists %s…", prefix)
		}
		ctrs, _ := exec.Command("docker", "ps", "-a", "--format", "{{.Names}}").Output()
		if prefix := fmt.Sprintf("unigo-bench-%d-", os.Getpid()); bytes.Contains(ctrs, []byte(prefix)) {
			t.Errorf("docker ps -a still lists %s…", prefix)
		}
	}
}

// TestRunCompareHTTP serves examples/httpd natively, from the Linux
// microVM (its virtio-net drivers and network /init) and from unigo (the
// card of `unigo run -p`), under a short wrk load, and checks that every
// HTTP column is measured, without a memory search.
func TestRunCompareHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an HTTP server")
	}
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Config{
		App:          "../../examples/httpd",
		HTTPPort:     port,
		Subjects:     []string{harness.Native, harness.Linux, harness.Unigo},
		Runs:         1,
		Out:          t.TempDir(),
		SkipMemory:   true,
		LoadDuration: time.Second,
		LoadThreads:  1,
		LoadConns:    4,
		Settle:       100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Subjects {
		for _, m := range []measure.Metric{s.FirstLine, s.FirstHTTP, s.RequestsPS, s.P50, s.P99, s.IdleRSS} {
			if !m.OK() || *m.Value <= 0 {
				t.Errorf("%s: %+v, want a value", s.Key, m)
			}
		}
		if s.FirstHTTP.OK() && s.FirstLine.OK() && *s.FirstHTTP.Value < *s.FirstLine.Value {
			t.Errorf("%s: first HTTP 200 at %v s before the first line at %v s: both count from the start", s.Key, *s.FirstHTTP.Value, *s.FirstLine.Value)
		}
	}
	if l := r.Subjects[1]; !l.Executables.OK() || *l.Executables.Value != 2 {
		t.Errorf("Linux with a network: %+v programs, want 2 (the network /init and the app)", l.Executables)
	}
	if r.Config.LoadCommand != "wrk -t1 -c4 -d1s --latency" {
		t.Errorf("load command %q", r.Config.LoadCommand)
	}
	if r.Config.Network != "user" {
		t.Errorf("network %q, want user", r.Config.Network)
	}
}

// TestSameNetworkRefusesDifferentVMs checks that the HTTP benchmark will
// not compare two VMs whose setups differ beyond what they boot.
func TestSameNetworkRefusesDifferentVMs(t *testing.T) {
	e := &env{cfg: &Config{HTTPPort: 8080, MemMiB: 64},
		m: harness.Machine{QEMU: "qemu-system-x86_64", Type: qemu.MachineMicroVM, Accel: qemu.Accel{Name: "tcg", CPU: "max"}, Root: t.TempDir()},
		servers: map[string]harness.VM{
			harness.Linux: {Spec: vmm.Spec{Image: "vmlinux", Kind: vmm.KindLinux, Initrd: "initramfs", Cmdline: vmm.Cmdline{Tokens: []string{"quiet"}}}},
			harness.Unigo: {Unigo: &launch.Config{Image: "app.img", Argv0: "app"}},
		}}
	ctx := context.Background()
	if err := e.sameNetwork(ctx); err != nil {
		t.Fatalf("same VM setup refused: %v", err)
	}
	// unigo --exec serves beside them: the same VM again.
	e.servers[harness.UnigoExec] = harness.VM{Unigo: &launch.Config{Image: "app.exec.img", Argv0: "app"}}
	if err := e.sameNetwork(ctx); err != nil {
		t.Fatalf("same VM setup refused with unigo --exec: %v", err)
	}
	l := e.servers[harness.Linux]
	l.Spec.Disks = []vmm.Disk{{Path: "extra.img"}}
	e.servers[harness.Linux] = l
	if err := e.sameNetwork(ctx); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("a disk only one VM has: %v, want a refusal", err)
	}
	// Without Linux, the two unigo images are held to each other.
	delete(e.servers, harness.Linux)
	if err := e.sameNetwork(ctx); err != nil {
		t.Errorf("unigo and unigo --exec refused: %v", err)
	}
}

// TestSubjectsDefault checks that unigo --exec is a subject on request
// only: the default stays the four ways.
func TestSubjectsDefault(t *testing.T) {
	cfg := Config{App: "../../examples/hello", Out: t.TempDir()}
	if err := cfg.SetDefaults(); err != nil {
		t.Fatal(err)
	}
	if want := []string{harness.Native, harness.Container, harness.Linux, harness.Unigo}; !slices.Equal(cfg.Subjects, want) {
		t.Errorf("default subjects %q, want %q", cfg.Subjects, want)
	}
	cfg = Config{App: "../../examples/hello", Out: t.TempDir(), Subjects: []string{harness.Unigo, harness.UnigoExec}}
	if err := cfg.SetDefaults(); err != nil {
		t.Errorf("unigo,unigo-exec: %v", err)
	}
	cfg = Config{App: "../../examples/hello", Out: t.TempDir(), Subjects: []string{"exec"}}
	if err := cfg.SetDefaults(); err == nil || !strings.Contains(err.Error(), "unigo or unigo-exec") {
		t.Errorf("unknown subject: %v", err)
	}
}

// TestTapCard checks --net tap: both VMs get the tap backend on the named
// device with the guest's static address among the kernel tokens (which
// the Linux baseline's helper reads), and the load goes to that address.
func TestTapCard(t *testing.T) {
	e := &env{cfg: &Config{HTTPPort: 8080, MemMiB: 64, Tap: "unigotest0", GuestIP: "192.168.100.10/24"},
		m: harness.Machine{QEMU: "qemu-system-x86_64", Type: qemu.MachineMicroVM, Accel: qemu.Accel{Name: "tcg", CPU: "max"}, Root: t.TempDir()}}
	card, addr, err := e.vmCard(8080)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "192.168.100.10:8080" {
		t.Errorf("load address %q, want 192.168.100.10:8080", addr)
	}
	for name, vm := range map[string]harness.VM{
		harness.Linux: {Spec: vmm.Spec{Image: "vmlinux", Kind: vmm.KindLinux, Initrd: "initramfs", Cmdline: vmm.Cmdline{Tokens: []string{"quiet"}}}},
		harness.Unigo: {Unigo: &launch.Config{Image: "app.img", Argv0: "app"}},
	} {
		spec, err := e.m.Spec(context.Background(), vm, harness.Boot{MemMiB: 64, Net: card})
		if err != nil {
			t.Fatal(err)
		}
		if spec.Net == nil || spec.Net.Tap != "unigotest0" || len(spec.Net.Forwards) > 0 {
			t.Errorf("%s: card %+v, want the tap backend on unigotest0 without forwards", name, spec.Net)
		}
		if cl := spec.KernelCmdline(); !strings.Contains(cl, "net.ip=192.168.100.10/24") {
			t.Errorf("%s: kernel command line without net.ip=192.168.100.10/24: %s", name, cl)
		}
	}
	if got := netName(e.cfg); !strings.Contains(got, "tap device unigotest0") {
		t.Errorf("netName %q", got)
	}
	e.cfg.Tap = ""
	if _, addr, err := e.vmCard(8080); err != nil || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("user network: load address %q, %v; want a loopback port", addr, err)
	}
}

// TestTapCheckedFirst checks that a tap device that is not there stops
// the benchmark before anything is built or booted (QEMU would create the
// device, on no network, and every run would time out).
func TestTapCheckedFirst(t *testing.T) {
	built := false
	_, err := Run(context.Background(), Config{App: "./testdata/none", Out: t.TempDir(), HTTPPort: 8080,
		Tap: "unigonosuch9", Subjects: []string{harness.Unigo},
		Build: func(context.Context, string, string) error { built = true; return nil }})
	if err == nil || !strings.HasPrefix(err.Error(), "--net tap:unigonosuch9: ") {
		t.Fatalf("err %v, want the tap check's", err)
	}
	if built {
		t.Error("the app was built before the tap was checked")
	}
}

func TestRenderChart(t *testing.T) {
	v := func(x float64) measure.Metric { return measure.Value("u", x) }
	mk := func(key string, first, size float64) *Subject {
		return &Subject{Key: key, Label: harness.Labels[key],
			FirstLine: measure.FromSamples("s", []float64{first, first * 1.1}), Artifact: v(size),
			LeastMemory: v(4), IdleRSS: v(40), Syscalls: v(100), Executables: v(1), Shell: measure.Bool(false, "none"),
			FirstHTTP: measure.NA("s", "n/a: no --http"), RequestsPS: measure.NA("req/s", "n/a: no --http"), P99: measure.NA("ms", "n/a: no --http")}
	}
	r := &Report{Base: report.Base{App: report.AppInfo{Path: "./examples/hello"}}, Config: Settings{Runs: 2, Machine: "microvm", Accel: "tcg"},
		Subjects: []*Subject{mk(harness.Native, 0.001, 2<<20), mk(harness.Container, 0.2, 2<<20), mk(harness.Linux, 1.4, 52<<20), mk(harness.Unigo, 0.06, 3<<20)}}
	r.Subjects[3].LeastMemory = measure.NA("MiB", "n/a: the unigo kernel <has> no network yet & more")
	svg := r.chart().SVG()
	if err := benchtest.WellFormed([]byte(svg)); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	for _, want := range []string{
		"time to the app&#39;s first line", "lower is better · log scale", // 1 ms … 1.4 s: log
		"system calls the app can reach", "n/a: the unigo kernel &lt;has&gt; no network yet &amp; more",
		"1.05 ms", "1.47 s", "52.0 MiB", // medians
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(svg, "requests per second") {
		t.Error("chart has an HTTP panel without --http")
	}
}
