package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/kernel/syscalls"
	"unigo.dev/unigo/vmm"
	"unigo.dev/unigo/vmm/qemu"
)

// TestRunCompare runs `unigo bench compare` on examples/hello with two runs,
// for real (Docker or runc, QEMU, Debian's cloud kernel), and checks that
// every measurement of every way is a value or n/a with a reason, never a
// zero standing in for "not measured".
func TestRunCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("runs containers and VMs, fetches a Debian kernel")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatal("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	out := t.TempDir()
	var progress bytes.Buffer
	start := time.Now()
	r, err := RunCompare(context.Background(), CompareConfig{
		App:           "../examples/hello",
		IdleApp:       "../examples/idle",
		Runs:          2,
		Out:           out,
		MemoryConfirm: 1,
		MemoryBudget:  15 * time.Second,
		Settle:        500 * time.Millisecond,
		Progress:      &progress,
	})
	var back CompareReport
	readBack(t, start, &progress, r, err, out, &back)
	if len(back.Subjects) != 4 {
		t.Fatalf("results.json has %d subjects, want 4", len(back.Subjects))
	}
	for i, key := range []string{Native, Container, Linux, Unigo} {
		s := back.Subjects[i]
		if s.Key != key {
			t.Errorf("subject %d is %q, want %q", i, s.Key, key)
		}
		for _, nm := range s.metrics() {
			checkMetric(t, s.Key+" "+nm.name, *nm.m, nm.name == "executables" || nm.name == "shell")
		}
		for _, nm := range s.metrics()[1:5] { // HTTP, not asked for
			if !strings.Contains(nm.m.NA, "--http") {
				t.Errorf("%s %s without --http: %+v, want n/a naming --http", s.Key, nm.name, *nm.m)
			}
		}
	}
	// The way that runs everywhere QEMU does must really have been measured.
	for _, s := range []*ContenderResult{back.Subjects[0], back.Subjects[3]} {
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
	if err := wellFormed(svg); err != nil {
		t.Errorf("chart.svg: %v", err)
	}
	for _, row := range back.rows() {
		if !bytes.Contains(svg, []byte(esc(row.short))) {
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

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
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
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunCompare(context.Background(), CompareConfig{
		App:          "../examples/httpd",
		HTTPPort:     port,
		Subjects:     []string{Native, Linux, Unigo},
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
		for _, m := range []Metric{s.FirstLine, s.FirstHTTP, s.RequestsPS, s.P50, s.P99, s.IdleRSS} {
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
// not compare two VMs whose QEMU setups differ beyond what they boot.
func TestSameNetworkRefusesDifferentVMs(t *testing.T) {
	e := &compareEnv{cfg: &CompareConfig{HTTPPort: 8080, MemMiB: 64},
		m: machine{QEMU: "qemu-system-x86_64", Type: qemu.MachineMicroVM, Accel: qemu.Accel{Name: "tcg", CPU: "max"}},
		servers: map[string]bootSpec{
			Linux: {Kernel: "vmlinux", Initrd: "initramfs", Cmdline: vmm.Cmdline{Tokens: []string{"quiet"}}},
			Unigo: {Kernel: "app.img", Cmdline: vmm.Cmdline{Args: []string{"app"}}},
		}}
	if err := e.sameNetwork(); err != nil {
		t.Fatalf("same QEMU setup refused: %v", err)
	}
	l := e.servers[Linux]
	l.Disks = []vmm.Disk{{Path: "extra.img"}}
	e.servers[Linux] = l
	if err := e.sameNetwork(); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("a disk only one VM has: %v, want a refusal", err)
	}
}

// TestTapCard checks --net tap: both VMs get the tap backend on the named
// device with the guest's static address among the kernel tokens (which
// the Linux baseline's helper reads), and the load goes to that address.
func TestTapCard(t *testing.T) {
	e := &compareEnv{cfg: &CompareConfig{HTTPPort: 8080, MemMiB: 64, Tap: "unigotest0", GuestIP: "192.168.100.10/24"},
		m: machine{QEMU: "qemu-system-x86_64", Type: qemu.MachineMicroVM, Accel: qemu.Accel{Name: "tcg", CPU: "max"}}}
	card, addr, err := e.vmCard(8080)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "192.168.100.10:8080" {
		t.Errorf("load address %q, want 192.168.100.10:8080", addr)
	}
	for name, spec := range map[string]bootSpec{
		Linux: {Kernel: "vmlinux", Initrd: "initramfs", Cmdline: vmm.Cmdline{Tokens: []string{"quiet"}}, Net: card},
		Unigo: {Kernel: "app.img", Cmdline: vmm.Cmdline{Args: []string{"app"}}, Net: card},
	} {
		args := strings.Join(e.m.args(spec, 64), " ")
		if !strings.Contains(args, "-netdev tap,") || !strings.Contains(args, "ifname=unigotest0") || strings.Contains(args, "hostfwd") {
			t.Errorf("%s: QEMU arguments without the tap backend on unigotest0: %s", name, args)
		}
		if !strings.Contains(args, "net.ip=192.168.100.10/24") {
			t.Errorf("%s: kernel command line without net.ip=192.168.100.10/24: %s", name, args)
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
	_, err := RunCompare(context.Background(), CompareConfig{App: "./testdata/none", Out: t.TempDir(), HTTPPort: 8080,
		Tap: "unigonosuch9", Subjects: []string{Unigo},
		Build: func(context.Context, string, string) error { built = true; return nil }})
	if err == nil || !strings.HasPrefix(err.Error(), "--net tap:unigonosuch9: ") {
		t.Fatalf("err %v, want the tap check's", err)
	}
	if built {
		t.Error("the app was built before the tap was checked")
	}
}
