package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var volumeRun = flag.Bool("volume.run", false, "TestRunVolume: run the volume benchmark once, for real (boots QEMU; fetches a Debian kernel on first use)")

func TestParseVolumeLine(t *testing.T) {
	v, err := parseVolumeLine("[ 3.1] volbench seq_write_mbps=54.2 reread_mbps=76.5 seq_read_mbps=73.1 rand_read_iops=17495 rand_write_iops=10089 sync_write_iops=1910.7\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if v["seq_write_mbps"] != 54.2 || v["rand_read_iops"] != 17495 || v["sync_write_iops"] != 1910.7 || len(v) != len(VolumeMetrics) {
		t.Errorf("parsed %v", v)
	}
	for _, bad := range []string{
		"volbench seq_write_mbps=54.2 reread_mbps=76.5",
		"volbench seq_write_mbps=0 reread_mbps=1 seq_read_mbps=1 rand_read_iops=1 rand_write_iops=1 sync_write_iops=1",
		"volbench error: stat /data/cold-seq: no such file or directory",
		"fsbench seq_write_mbps=1 seq_read_mbps=1 small_files_per_s=1",
	} {
		if _, err := parseVolumeLine(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// The two VMs' command lines are compared without what they boot.
func TestQEMUArgsWithoutBoot(t *testing.T) {
	got := qemuArgsWithoutBoot([]string{"-m", "256M", "-kernel", "k", "-append", "a b", "-initrd", "i", "-drive", "file=d"})
	if want := []string{"-m", "256M", "-drive", "file=d"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestVolumeTable(t *testing.T) {
	m := func(v float64) Metric { return sampleMetric("MB/s", []float64{v, v}) }
	r := &VolumeReport{}
	for _, s := range []struct {
		key string
		v   float64
	}{{Native, 1000}, {Linux, 100}, {Unigo, 70}} {
		vs := &VolumeSubject{Key: s.key, Label: compareLabels[s.key], Metrics: map[string]Metric{}}
		for _, vm := range VolumeMetrics {
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
	r, err := RunVolume(context.Background(), VolumeConfig{Runs: 1, App: "../examples/volbench", Out: out, Progress: &progress})
	t.Logf("took %v; progress:\n%s", time.Since(start).Round(time.Millisecond), progress.String())
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back VolumeReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Benchmark != "volume" || len(back.Subjects) != 3 {
		t.Fatalf("results.json: benchmark %q, %d subjects", back.Benchmark, len(back.Subjects))
	}
	for _, s := range back.Subjects {
		for _, vm := range VolumeMetrics {
			if m := s.Metrics[vm.Key]; !m.OK() {
				t.Errorf("%s %s: n/a: %s", s.Key, vm.Key, m.NA)
			}
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(out, "disks")); len(ents) != 0 {
		t.Errorf("disks left behind: %d", len(ents))
	}
}
