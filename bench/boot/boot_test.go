package boot

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/bench/internal/benchtest"
	"unigo.dev/unigo/bench/measure"
	"unigo.dev/unigo/bench/report"
)

// TestRunBoot runs the boot benchmark once, for real, on the floor guest and
// the Linux baseline (and the unigo column, which may be n/a while no
// builder is wired in), and checks that every measurement is either a value
// or n/a with a reason. It fetches Debian's cloud kernel on first use.
func TestRunBoot(t *testing.T) {
	benchtest.Real(t, "boots QEMU and fetches a Debian kernel")
	out := t.TempDir()
	var progress bytes.Buffer
	cfg := Config{
		Runs:          1,
		App:           "../../examples/hello",
		IdleApp:       "../../examples/idle",
		IdleDuration:  2 * time.Second,
		Out:           out,
		MemoryConfirm: 1,
		MemoryBudget:  20 * time.Second,
		Progress:      &progress,
	}
	start := time.Now()
	r, err := Run(context.Background(), cfg)
	var back Report
	table := benchtest.ReadBack(t, start, &progress, r, err, out, &back)
	if len(back.Subjects) != 3 {
		t.Fatalf("results.json has %d subjects, want 3", len(back.Subjects))
	}

	benchtest.CheckMetric(t, "app go build size", back.App.GoBuildSize, false)
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
			if m, ok := v.Field(i).Interface().(measure.Metric); ok {
				benchtest.CheckMetric(t, s.Key+" "+f.Name, m, f.Name == "IdleCPU")
			}
		}
	}
	// The floor and Linux must really have been measured.
	for _, s := range back.Subjects[:2] {
		for name, m := range map[string]measure.Metric{"first line": s.FirstLine, "exit": s.Exit, "image": s.ImageBytes, "memory": s.MinMemoryMiB} {
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

// TestRunBootNA checks that a subject that cannot be built is reported n/a
// with the reason in every column, never as zero.
func TestRunBootNA(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed")
	}
	r, err := Run(context.Background(), Config{
		Runs:     2,
		App:      "../../examples/hello",
		Subjects: []string{harness.Unigo},
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
	for name, m := range map[string]measure.Metric{"first line": s.FirstLine, "exit": s.Exit, "image": s.ImageBytes, "memory": s.MinMemoryMiB, "idle": s.IdleCPU} {
		benchtest.CheckMetric(t, name, m, false)
		if m.OK() {
			t.Errorf("%s has a value, want n/a", name)
		}
		if name != "idle" && !strings.Contains(m.NA, "kernel does not link") {
			t.Errorf("%s: n/a reason %q lacks the build error", name, m.NA)
		}
	}
}

func TestWriteTableNA(t *testing.T) {
	floor := &Subject{Key: harness.Floor, Label: "QEMU floor",
		FirstLine: measure.FromSamples("s", []float64{0.1, 0.2}), Exit: measure.FromSamples("s", []float64{0.2}),
		ImageBytes: measure.Value("bytes", 4096), MinMemoryMiB: measure.Value("MiB", 2),
		IdleCPU: measure.NA("s", "n/a: no idle state")}
	unigo := &Subject{Key: harness.Unigo, Label: "unigo",
		FirstLine: measure.NA("s", "n/a: does not boot: kernel crashed"), Exit: measure.NA("s", "n/a: does not boot: kernel crashed"),
		ImageBytes: measure.Value("bytes", 2<<20), MinMemoryMiB: measure.NA("MiB", "n/a: does not boot: kernel crashed"),
		IdleCPU: measure.NA("s", "n/a: no idle state")}
	r := &Report{Config: Settings{Runs: 2, Machine: "microvm", Accel: "tcg", IdleDuration: 10},
		Base:     report.Base{App: report.AppInfo{Path: "./examples/hello", GoBuildSize: measure.Value("bytes", 1<<20)}},
		Subjects: []*Subject{floor, unigo}}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"0.150 s (0.100–0.200 s)", // median with range
		"n/a [1]",                 // the crash, footnoted once
		"[1] does not boot: kernel crashed",
		"[2] no idle state",
		"512×", // unigo image vs floor image
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[3]") {
		t.Errorf("identical reasons footnoted twice:\n%s", out)
	}
}
