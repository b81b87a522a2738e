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
	boltRun      = flag.Bool("bolt.run", false, "TestRunBolt: run the bolt benchmark once, for real (boots QEMU; fetches a Debian kernel on first use)")
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
	if goal := tables["volume"].target; goal.met(0.6, true) != "no" || goal.met(0.7, true) != "yes" || goal.met(0, false) != "n/a" {
		t.Error("volume's target: 0.6 must miss it, 0.7 meet it")
	}
}

func TestParseBoltLine(t *testing.T) {
	v, err := boltbench.parse("[ 9.3] boltbench put_tx_s=212.4 bulk_put_keys_s=30510 get_keys_s=101234 scan_keys_s=2500000\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if v["put_tx_s"] != 212.4 || v["bulk_put_keys_s"] != 30510 || v["get_keys_s"] != 101234 || v["scan_keys_s"] != 2500000 || len(v) != len(boltbench.quantities) {
		t.Errorf("parsed %v", v)
	}
	for _, bad := range []string{
		"boltbench put_tx_s=212.4 bulk_put_keys_s=30510 get_keys_s=101234",
		"boltbench put_tx_s=0 bulk_put_keys_s=1 get_keys_s=1 scan_keys_s=1",
		"boltbench error: get: key 0a1b (index 12) holds a wrong value",
		"volbench seq_write_mbps=54.2 reread_mbps=76.5 seq_read_mbps=73.1 rand_read_iops=17495 rand_write_iops=10089 sync_write_iops=1910.7",
	} {
		if _, err := boltbench.parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	for line, want := range map[string]bool{
		"boltbench put_tx_s=1 bulk_put_keys_s=1 get_keys_s=1 scan_keys_s=1": true,
		"boltbench error: open: no such file or directory":                  true,
		harness.HelperErrorPrefix + "mount /dev/vda":                        true,
		"volbench seq_write_mbps=1":                                         false,
	} {
		if boltbench.match(line) != want {
			t.Errorf("match(%q) = %v, want %v", line, !want, want)
		}
	}
}

func TestBoltTable(t *testing.T) {
	r := &Report{Base: report.Base{Benchmark: "bolt"}, Config: Settings{DiskDir: "/d", DiskBytes: 1 << 30, DiskFS: "tmpfs"}}
	for _, s := range []struct {
		key string
		v   float64
	}{{harness.Native, 1000}, {harness.Linux, 100}, {harness.Unigo, 75}} {
		vs := &Subject{Key: s.key, Label: harness.Labels[s.key], Metrics: map[string]measure.Metric{}}
		for _, q := range boltbench.quantities {
			vs.Metrics[q.Key] = measure.FromSamples(q.Unit, []float64{s.v, s.v * 2})
		}
		r.Subjects = append(r.Subjects, vs)
	}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	// 75/100 misses bolt's target (at least 0.8× of Linux).
	for _, want := range []string{"disks: a fresh 1G", "put: transactions of 20 keys", "(tx/s)", "(keys/s)", "unigo / Linux", "0.75×", "at least 0.8×", "no", "0.075×"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "yes") {
		t.Errorf("0.75× must not meet the target:\n%s", b.String())
	}
	if err := (&Report{Base: report.Base{Benchmark: "nonesuch"}}).WriteTable(&b); err == nil {
		t.Error("a table for an unknown benchmark")
	}
}

// TestDiskWithoutInputs checks the disk place of a program without input
// files (boltbench): nothing is prepared, the native directory is made
// empty, a VM's disk image is a fresh file system and nothing else.
func TestDiskWithoutInputs(t *testing.T) {
	if _, err := e2fsTool("mke2fs"); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	cfg := VolumeConfig{Config: Config{Out: t.TempDir()}, DiskSize: 16 << 20}
	if err := cfg.setDefaults("./examples/boltbench", time.Minute); err != nil {
		t.Fatal(err)
	}
	d := cfg.disk(boltbench)
	r := &Report{}
	// The binary does not exist: it must not be asked to -prepare anything.
	more, err := d.prepare(ctx, &harness.App{Binary: filepath.Join(cfg.Out, "none")}, r)
	if err != nil || more != "" || r.Config.DiskDir != cfg.DiskDir || r.Config.DiskBytes != 16<<20 {
		t.Fatalf("prepare: %q, %v; settings %+v", more, err, r.Config)
	}
	native, err := d.fresh(ctx, harness.Native, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ents, err := os.ReadDir(native); err != nil || len(ents) != 0 {
		t.Errorf("native directory %s: %d entries, %v", native, len(ents), err)
	}
	img, err := d.fresh(ctx, harness.Unigo, 2)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(img); err != nil || fi.Size() != 16<<20 || filepath.Base(img) != "unigo-3.img" {
		t.Errorf("disk image %s: %v, %v", img, fi, err)
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

// TestRunBolt runs the bolt benchmark once, for real, and checks that every
// subject's every number was parsed. Only with -bolt.run: it takes about a
// minute under TCG.
func TestRunBolt(t *testing.T) {
	if !*boltRun {
		t.Skip("boots QEMU: run with -bolt.run")
	}
	out := t.TempDir()
	var progress bytes.Buffer
	start := time.Now()
	r, err := RunBolt(context.Background(), VolumeConfig{Config: Config{Runs: 1, App: "../../examples/boltbench", Out: out, Progress: &progress}})
	var back Report
	table := benchtest.ReadBack(t, start, &progress, r, err, out, &back)
	if back.Benchmark != "bolt" || len(back.Subjects) != 3 {
		t.Fatalf("results.json: benchmark %q, %d subjects", back.Benchmark, len(back.Subjects))
	}
	for _, s := range back.Subjects {
		for _, q := range boltbench.quantities {
			if m := s.Metrics[q.Key]; !m.OK() {
				t.Errorf("%s %s: n/a: %s", s.Key, q.Key, m.NA)
			}
		}
	}
	if want := "at least 0.8×"; !strings.Contains(table, want) {
		t.Errorf("table lacks %q", want)
	}
	if ents, _ := os.ReadDir(filepath.Join(out, "disks")); len(ents) != 0 {
		t.Errorf("disks left behind: %d", len(ents))
	}
}
