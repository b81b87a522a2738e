package files

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/internal/benchtest"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

var (
	volumeRun    = flag.Bool("volume.run", false, "TestRunVolume: run the volume benchmark once, for real (boots QEMU; fetches a Debian kernel on first use)")
	filesNoLinux = flag.Bool("files.nolinux", false, "TestRunFiles: run the native and unigo columns only (skip the Linux microVM)")
)

func TestParseFilesLine(t *testing.T) {
	v, err := fsbench.parse("[    1.2] x fsbench seq_write_mbps=12.5 seq_read_mbps=30 small_files_per_s=1000\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if v["seq_write_mbps"] != 12.5 || v["seq_read_mbps"] != 30 || v["small_files_per_s"] != 1000 {
		t.Errorf("parsed %v", v)
	}
	for _, bad := range []string{
		"fsbench seq_write_mbps=12.5 seq_read_mbps=30",
		"fsbench seq_write_mbps=x seq_read_mbps=30 small_files_per_s=1",
		"fsbench seq_write_mbps=0 seq_read_mbps=30 small_files_per_s=1",
		"fsbench error: open /tmp: no such file",
		"hello",
	} {
		if _, err := fsbench.parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestRunFiles runs the files benchmark once, for real, and checks that
// every subject's every number was parsed. It fetches Debian's cloud kernel
// on first use; -files.nolinux leaves the Linux microVM out.
func TestRunFiles(t *testing.T) {
	benchtest.Real(t, "boots QEMU and fetches a Debian kernel")
	subjects := []string{harness.Native, harness.Linux, harness.Unigo}
	if *filesNoLinux {
		subjects = []string{harness.Native, harness.Unigo}
	}
	out := t.TempDir()
	var progress bytes.Buffer
	start := time.Now()
	r, err := RunFiles(context.Background(), FilesConfig{Config: Config{
		Runs: 1, App: "../../examples/fsbench", Subjects: subjects, Out: out, Progress: &progress, Timeout: 60 * time.Second,
	}})
	var back Report
	table := benchtest.ReadBack(t, start, &progress, r, err, out, &back)
	if back.Benchmark != "files" || len(back.Subjects) != len(subjects) {
		t.Fatalf("results.json: benchmark %q, %d subjects, want files, %d", back.Benchmark, len(back.Subjects), len(subjects))
	}
	for i, s := range back.Subjects {
		if s.Key != subjects[i] {
			t.Errorf("subject %d is %q, want %q", i, s.Key, subjects[i])
		}
		for _, fm := range fsbench.quantities {
			m, ok := s.Metrics[fm.Key]
			switch {
			case !ok:
				t.Errorf("%s: no %s", s.Key, fm.Key)
			case !m.OK():
				t.Errorf("%s %s: n/a: %s", s.Key, fm.Key, m.NA)
			case *m.Value <= 0 || len(m.Samples) != 1:
				t.Errorf("%s %s: value %v, %d samples", s.Key, fm.Key, *m.Value, len(m.Samples))
			}
		}
	}
	if want := "unigo / native"; !strings.Contains(table, want) {
		t.Errorf("table lacks %q", want)
	}
}

func TestParseVolumeLine(t *testing.T) {
	v, err := volbench.parse("[ 3.1] volbench seq_write_mbps=54.2 reread_mbps=76.5 seq_read_mbps=73.1 rand_read_iops=17495 rand_write_iops=10089 sync_write_iops=1910.7\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if v["seq_write_mbps"] != 54.2 || v["rand_read_iops"] != 17495 || v["sync_write_iops"] != 1910.7 || len(v) != len(volbench.quantities) {
		t.Errorf("parsed %v", v)
	}
	for _, bad := range []string{
		"volbench seq_write_mbps=54.2 reread_mbps=76.5",
		"volbench seq_write_mbps=0 reread_mbps=1 seq_read_mbps=1 rand_read_iops=1 rand_write_iops=1 sync_write_iops=1",
		"volbench error: stat /data/cold-seq: no such file or directory",
		"fsbench seq_write_mbps=1 seq_read_mbps=1 small_files_per_s=1",
	} {
		if _, err := volbench.parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestVolumeTable(t *testing.T) {
	m := func(v float64) measure.Metric { return measure.FromSamples("MB/s", []float64{v, v}) }
	r := &Report{Base: report.Base{Benchmark: "volume"}}
	for _, s := range []struct {
		key string
		v   float64
	}{{harness.Native, 1000}, {harness.Linux, 100}, {harness.Unigo, 70}} {
		vs := &Subject{Key: s.key, Label: harness.Labels[s.key], Metrics: map[string]measure.Metric{}}
		for _, vm := range volbench.quantities {
			vs.Metrics[vm.Key] = m(s.v)
		}
		r.Subjects = append(r.Subjects, vs)
	}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	// 70/100 is within 1.5× of Linux (at least 0.67×).
	for _, want := range []string{"unigo / Linux", "0.70×", "within 1.5×", "yes", "0.07×"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if withinTarget(0.6, true) != "no" || withinTarget(0.7, true) != "yes" {
		t.Error("withinTarget: 0.6 must miss the target, 0.7 meet it")
	}
}

// TestRunVolume runs the volume benchmark once, for real, and checks that
// every subject's every number was parsed. Only with -volume.run: it takes
// about a minute under TCG.
func TestRunVolume(t *testing.T) {
	if !*volumeRun {
		t.Skip("boots QEMU: run with -volume.run")
	}
	out := t.TempDir()
	var progress bytes.Buffer
	start := time.Now()
	r, err := RunVolume(context.Background(), VolumeConfig{Config: Config{Runs: 1, App: "../../examples/volbench", Out: out, Progress: &progress}})
	var back Report
	benchtest.ReadBack(t, start, &progress, r, err, out, &back)
	if back.Benchmark != "volume" || len(back.Subjects) != 3 {
		t.Fatalf("results.json: benchmark %q, %d subjects", back.Benchmark, len(back.Subjects))
	}
	for _, s := range back.Subjects {
		for _, vm := range volbench.quantities {
			if m := s.Metrics[vm.Key]; !m.OK() {
				t.Errorf("%s %s: n/a: %s", s.Key, vm.Key, m.NA)
			}
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(out, "disks")); len(ents) != 0 {
		t.Errorf("disks left behind: %d", len(ents))
	}
}
