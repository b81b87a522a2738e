// Package benchtest holds what the benchmarks' tests share.
package benchtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unigo.dev/unigo/bench/measure"
)

// ReadBack logs a benchmark's progress, duration and table, and reads its
// results.json back into back; it returns the table.
func ReadBack(t *testing.T, start time.Time, progress *bytes.Buffer, r interface{ WriteTable(io.Writer) error }, err error, out string, back any) string {
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

// CheckMetric fails unless m is exactly one of: a positive value (or zero,
// if zeroOK), or n/a with a reason.
func CheckMetric(t *testing.T, name string, m measure.Metric, zeroOK bool) {
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

// WellFormed checks that b is well-formed XML (an SVG chart).
func WellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// Real skips a test that runs a benchmark for real (why says what it does)
// in -short mode, and fails it where QEMU is not installed.
func Real(t *testing.T, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatal("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
	}
}
