package podstart

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/bench/internal/benchtest"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// The real run starts a private containerd on the bridge the e2e
// containerd tests use too: only on request, never beside them.
var realRun = flag.Bool("podstart.run", false, "TestRunPodStart: run the benchmark once, for real (root; containerd, crictl; not while the e2e containerd tests run)")

// Without containerd on the PATH the benchmark stops before building
// anything, naming what is missing.
func TestMissingTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := t.TempDir()
	_, err := Run(context.Background(), Config{Unigo: "unigo", Out: out})
	if err == nil || !strings.Contains(err.Error(), "containerd not found") && !strings.Contains(err.Error(), "run as root") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Errorf("the output directory holds %d entries after the failure", len(ents))
	}
}

func TestSmapsField(t *testing.T) {
	smaps := "55d0c0000000-7ffd8d5fe000 ---p 00000000 00:00 0                          [rollup]\nRss:               12345 kB\nPss:                6789 kB\nPss_Dirty:          1000 kB\n"
	if got, err := measure.SmapsField([]byte(smaps), "Pss:"); err != nil || got != 6789<<10 {
		t.Errorf("Pss = %d, %v; want %d", got, err, 6789<<10)
	}
	if got, err := measure.SmapsField([]byte(smaps), "Pss_Dirty:"); err != nil || got != 1000<<10 {
		t.Errorf("Pss_Dirty = %d, %v; want %d", got, err, 1000<<10)
	}
	if _, err := measure.SmapsField([]byte("Rss: 1 kB\n"), "Pss:"); err == nil {
		t.Error("no Pss line read as a value")
	}
}

// The pod's processes are told apart by their command lines; the unigo
// container process runs the shim's binary but is not a shim.
func TestKindOf(t *testing.T) {
	for cmdline, want := range map[string]string{
		"/usr/bin/containerd-shim-runc-v2\x00-namespace\x00k8s.io\x00-id\x00abc\x00-address\x00/tmp/x/containerd.sock\x00": "shim",
		"/out/bin/containerd-shim-unigo-v2\x00-namespace\x00k8s.io\x00-id\x00abc\x00":                                      "shim",
		"/out/bin/containerd-shim-unigo-v2\x00__runtime\x00--root\x00/run/unigo-shim/k8s.io\x00__init\x00abc\x00":          "",
		"/pause\x00": "pause",
		"qemu-system-x86_64\x00-machine\x00microvm\x00": "qemu",
		"/app\x00": "",
	} {
		if got := kindOf([]byte(cmdline)); got != want {
			t.Errorf("kindOf(%q) = %q, want %q", cmdline, got, want)
		}
	}
}

// The table has every quantity, unigo's ratio to runc, and the footnote
// of runc's missing VM.
func TestWriteTable(t *testing.T) {
	r := &Report{Base: report.Base{Benchmark: "podstart", App: report.AppInfo{Path: "./examples/httpd", Line: "listening on :8080"}}}
	r.Config.Runs = 2
	runc := &Subject{Measured: report.NewMeasured(Runc, "runc")}
	unigo := &Subject{Measured: report.NewMeasured(Unigo, "unigo")}
	runc.NA["mem_vm"] = "no VM"
	for _, s := range []*Subject{runc, unigo} {
		scale := 1.0
		if s == unigo {
			scale = 2
		}
		for range 2 {
			podResult{runp: 300 * time.Millisecond, create: 100 * time.Millisecond, line: time.Duration(scale * float64(200*time.Millisecond)),
				mem: podMemory{total: int64(scale * (10 << 20)), shims: 5 << 20, pause: 1 << 20, ctr: 4 << 20, vm: int64(scale-1) * (10 << 20), anon: 3 << 20, procs: 3}, remove: time.Second}.record(s)
		}
		s.Summarize(s.Metrics, quantities, 2, nil)
	}
	r.Subjects = []*Subject{runc, unigo}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	for _, want := range []string{"pod start", "crictl runp", "memory of the idle pod", "QEMU", "unigo / runc", "1.33×", "2.00×", "[1] no VM"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}

// TestRunPodStart runs the benchmark once, for real: the shim and unigo
// built here, a private containerd, one pod of each subject.
func TestRunPodStart(t *testing.T) {
	if !*realRun {
		t.Skip("starts a containerd and pods: go test ./bench/podstart -podstart.run")
	}
	dir := t.TempDir()
	unigo := filepath.Join(dir, "unigo")
	if out, err := exec.Command("go", "build", "-o", unigo, "../../cmd/unigo").CombinedOutput(); err != nil {
		t.Fatalf("go build unigo: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "out")
	var progress bytes.Buffer
	start := time.Now()
	r, err := Run(context.Background(), Config{Runs: 1, App: "../../examples/httpd", Pause: "../../examples/sigwait", Unigo: unigo, Out: out, Progress: &progress})
	var back Report
	benchtest.ReadBack(t, start, &progress, r, err, out, &back)
	if back.Benchmark != "podstart" || len(back.Subjects) != 2 {
		t.Fatalf("results.json: benchmark %q, %d subjects", back.Benchmark, len(back.Subjects))
	}
	for _, s := range back.Subjects {
		for _, q := range quantities {
			benchtest.CheckMetric(t, s.Key+" "+q.Key, s.Metrics[q.Key], false)
		}
	}
	for _, n := range back.Notes {
		if strings.HasPrefix(n, "teardown:") {
			t.Error(n)
		}
	}
	if m := back.Subjects[1].Metrics["mem_vm"]; !m.OK() || *m.Value < 8<<20 {
		t.Errorf("unigo's QEMU: %+v, want at least 8 MiB", m)
	}
}
