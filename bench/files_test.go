package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var filesNoLinux = flag.Bool("files.nolinux", false, "TestRunFiles: run the native and unigo columns only (skip the Linux microVM)")

func TestParseFilesLine(t *testing.T) {
	v, err := parseFilesLine("[    1.2] x fsbench seq_write_mbps=12.5 seq_read_mbps=30 small_files_per_s=1000\r\n")
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
		if _, err := parseFilesLine(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestRunFiles runs the files benchmark once, for real, and checks that
// every subject's every number was parsed. It fetches Debian's cloud kernel
// on first use; -files.nolinux leaves the Linux microVM out.
func TestRunFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU and fetches a Debian kernel")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatal("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	subjects := []string{Native, Linux, Unigo}
	if *filesNoLinux {
		subjects = []string{Native, Unigo}
	}
	out := t.TempDir()
	var progress bytes.Buffer
	start := time.Now()
	r, err := RunFiles(context.Background(), FilesConfig{
		Runs: 1, App: "../examples/fsbench", Subjects: subjects, Out: out, Progress: &progress, Timeout: 60 * time.Second,
	})
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
	var back FilesReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Benchmark != "files" || len(back.Subjects) != len(subjects) {
		t.Fatalf("results.json: benchmark %q, %d subjects, want files, %d", back.Benchmark, len(back.Subjects), len(subjects))
	}
	for i, s := range back.Subjects {
		if s.Key != subjects[i] {
			t.Errorf("subject %d is %q, want %q", i, s.Key, subjects[i])
		}
		for _, fm := range FilesMetrics {
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
	if want := "unigo / native"; !strings.Contains(table.String(), want) {
		t.Errorf("table lacks %q", want)
	}
}
