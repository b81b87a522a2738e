package boot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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

// TestSetDefaultsExec checks the options of --exec: the subjects it adds
// (unigo-exec, and the linked reference as unigo), the reference app's
// default, and the combinations refused.
func TestSetDefaultsExec(t *testing.T) {
	all := []string{harness.Floor, harness.Linux, harness.UnigoExec, harness.Unigo}
	for _, tt := range []struct {
		name     string
		cfg      Config
		app, ref string
		subjects []string
		err      string
	}{
		{name: "plain", cfg: Config{}, app: "./examples/hello", subjects: []string{harness.Floor, harness.Linux, harness.Unigo}},
		{name: "exec", cfg: Config{Exec: "hello-c"}, ref: "./examples/hello", subjects: all},
		{name: "exec with its reference", cfg: Config{Exec: "hello-c", RefApp: "./examples/idle"}, ref: "./examples/idle", subjects: all},
		{name: "exec without the reference", cfg: Config{Exec: "hello-c", Subjects: []string{harness.Linux, harness.UnigoExec}}, ref: "./examples/hello",
			subjects: []string{harness.Linux, harness.UnigoExec}},
		{name: "a Go app's plain binary booted unmodified", cfg: Config{Subjects: []string{harness.Unigo, harness.UnigoExec}}, app: "./examples/hello",
			subjects: []string{harness.Unigo, harness.UnigoExec}},
		{name: "app and exec", cfg: Config{Exec: "hello-c", App: "./examples/hello"}, err: "--app and --exec each name the app"},
		{name: "reference without exec", cfg: Config{RefApp: "./examples/hello"}, err: "--ref-app is the linked yardstick of a program given with --exec"},
		{name: "unknown subject", cfg: Config{Exec: "hello-c", Subjects: []string{"exec"}}, err: `subject "exec": want floor, linux, unigo or unigo-exec`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Out = t.TempDir()
			err := cfg.SetDefaults()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.App != tt.app || cfg.RefApp != tt.ref || !reflect.DeepEqual(cfg.Subjects, tt.subjects) {
				t.Errorf("app %q, ref-app %q, subjects %q; want %q, %q, %q", cfg.App, cfg.RefApp, cfg.Subjects, tt.app, tt.ref, tt.subjects)
			}
		})
	}
}

// TestRunBootExecRefused checks that a program no subject could boot is
// refused before anything is built or booted, with what to do.
func TestRunBootExecRefused(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 is not installed")
	}
	script := filepath.Join(t.TempDir(), "hello.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err := Run(context.Background(), Config{Exec: script, Out: out, Subjects: []string{harness.Linux, harness.UnigoExec}, IdleApp: "-"})
	if err == nil || !strings.Contains(err.Error(), script) {
		t.Fatalf("err = %v, want a refusal naming %s", err, script)
	}
	if _, serr := os.Stat(filepath.Join(out, "results.json")); serr == nil {
		t.Error("results.json written for a refused program")
	}
}

// TestWriteTableExec checks the ratio of the unmodified program to the
// linked reference, and that the reference says which app it boots.
func TestWriteTableExec(t *testing.T) {
	mk := func(key, label string, first, mib float64) *Subject {
		return &Subject{Key: key, Label: label,
			FirstLine: measure.FromSamples("s", []float64{first}), Exit: measure.FromSamples("s", []float64{first + 0.01}),
			ImageBytes: measure.Value("bytes", 4<<20), MinMemoryMiB: measure.Value("MiB", mib),
			IdleCPU: measure.NA("s", "not measured (idle measurement skipped)")}
	}
	exec := mk(harness.UnigoExec, harness.Labels[harness.UnigoExec], 0.3, 6)
	linked := mk(harness.Unigo, "unigo linked: hello", 0.25, 5)
	linked.App, linked.Line = "./examples/hello", "Hello from a unigo unikernel!"
	r := &Report{Config: Settings{Runs: 1, Machine: "microvm", Accel: "tcg", IdleDuration: 10},
		Base:     report.Base{App: report.AppInfo{Path: "hello-c", Line: "hello from C", ProgramSize: &measure.Metric{}}},
		Subjects: []*Subject{mk(harness.Linux, "Linux microVM", 1.5, 70), exec, linked}}
	*r.App.ProgramSize = measure.Value("bytes", 20000)
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"the program as given: 19.5 KiB",
		"  vs unigo linked ", "1.20×", // time and memory, exec over linked
		`app ./examples/hello, watched for "Hello from a unigo unikernel!"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	t.Log("\n" + out)
}
