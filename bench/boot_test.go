package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRunBoot runs the boot benchmark once, for real, on the floor guest and
// the Linux baseline (and the unigo column, which may be n/a while no
// builder is wired in), and checks that every measurement is either a value
// or n/a with a reason. It fetches Debian's cloud kernel on first use.
func TestRunBoot(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU and fetches a Debian kernel")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatal("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
	out := t.TempDir()
	var progress bytes.Buffer
	cfg := BootConfig{
		Runs:          1,
		App:           "../examples/hello",
		IdleApp:       "../examples/idle",
		IdleDuration:  2 * time.Second,
		Out:           out,
		MemoryConfirm: 1,
		MemoryBudget:  20 * time.Second,
		Progress:      &progress,
	}
	start := time.Now()
	r, err := RunBoot(context.Background(), cfg)
	var back BootReport
	table := readBack(t, start, &progress, r, err, out, &back)
	if len(back.Subjects) != 3 {
		t.Fatalf("results.json has %d subjects, want 3", len(back.Subjects))
	}

	checkMetric(t, "app go build size", back.App.GoBuildSize, false)
	if back.App.Line != "Hello from a unigo unikernel!" {
		t.Errorf("app line = %q", back.App.Line)
	}
	for _, s := range back.Subjects {
		v := reflect.ValueOf(*s)
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if m, ok := v.Field(i).Interface().(Metric); ok {
				checkMetric(t, s.Key+" "+f.Name, m, f.Name == "IdleCPU")
			}
		}
	}
	// The floor and Linux must really have been measured.
	for _, s := range back.Subjects[:2] {
		for name, m := range map[string]Metric{"first line": s.FirstLine, "exit": s.Exit, "image": s.ImageBytes, "memory": s.MinMemoryMiB} {
			if !m.OK() {
				t.Errorf("%s %s: n/a: %s", s.Key, name, m.NA)
			}
		}
		if s.FirstLine.OK() && s.Exit.OK() && *s.Exit.Value < *s.FirstLine.Value {
			t.Errorf("%s: exit (%v s) before first line (%v s)", s.Key, *s.Exit.Value, *s.FirstLine.Value)
		}
	}
	if linux := back.Subjects[1]; !linux.IdleCPU.OK() {
		t.Errorf("linux idle CPU: n/a: %s", linux.IdleCPU.NA)
	}
	if !strings.Contains(table, "Linux microVM") {
		t.Error("table lacks the Linux column")
	}
}

// readBack logs a benchmark's progress, duration and table, and reads its
// results.json back into back; it returns the table.
func readBack(t *testing.T, start time.Time, progress *bytes.Buffer, r interface{ WriteTable(io.Writer) error }, err error, out string, back any) string {
	t.Helper()
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, back); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return table.String()
}

// checkMetric fails unless m is exactly one of: a positive value (or zero,
// if zeroOK), or n/a with a reason.
func checkMetric(t *testing.T, name string, m Metric, zeroOK bool) {
	t.Helper()
	switch {
	case m.Unit == "":
		t.Errorf("%s: no unit", name)
	case m.OK() && m.NA != "":
		t.Errorf("%s: both a value and n/a (%q)", name, m.NA)
	case !m.OK() && strings.TrimSpace(strings.TrimPrefix(m.NA, "n/a:")) == "":
		t.Errorf("%s: neither a value nor a reason", name)
	case m.OK() && (*m.Value < 0 || *m.Value == 0 && !zeroOK):
		t.Errorf("%s: value %v ≤ 0", name, *m.Value)
	}
}

// TestRunBootNA checks that a subject that cannot be built is reported n/a
// with the reason in every column, never as zero.
func TestRunBootNA(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed")
	}
	r, err := RunBoot(context.Background(), BootConfig{
		Runs:     2,
		App:      "../examples/hello",
		Subjects: []string{Unigo},
		Out:      t.TempDir(),
		IdleApp:  "-",
		Build: func(context.Context, string, string) error {
			return errors.New("kernel does not link")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Subjects[0]
	for name, m := range map[string]Metric{"first line": s.FirstLine, "exit": s.Exit, "image": s.ImageBytes, "memory": s.MinMemoryMiB, "idle": s.IdleCPU} {
		checkMetric(t, name, m, false)
		if m.OK() {
			t.Errorf("%s has a value, want n/a", name)
		}
		if name != "idle" && !strings.Contains(m.NA, "kernel does not link") {
			t.Errorf("%s: n/a reason %q lacks the build error", name, m.NA)
		}
	}
}
