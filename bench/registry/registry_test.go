package registry

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"unigo.dev/unigo/bench/internal/benchtest"
)

// TestRunRegistry runs the registry benchmark once, for real: a unigo
// binary built here, Debian's docker-registry, the Docker engine; every
// subject's every number must be there, and both sides must have moved at
// least the image.
func TestRunRegistry(t *testing.T) {
	benchtest.Real(t, "builds unigo, starts registries, drives Docker")
	dir := t.TempDir()
	unigo := filepath.Join(dir, "unigo")
	if out, err := exec.Command("go", "build", "-o", unigo, "../../cmd/unigo").CombinedOutput(); err != nil {
		t.Fatalf("go build unigo: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "out")
	var progress bytes.Buffer
	start := time.Now()
	r, err := Run(context.Background(), Config{Runs: 1, App: "../../examples/hello", Unigo: unigo, Out: out, Progress: &progress})
	var back Report
	benchtest.ReadBack(t, start, &progress, r, err, out, &back)
	if back.Benchmark != "registry" || len(back.Subjects) != 2 {
		t.Fatalf("results.json: benchmark %q, %d subjects", back.Benchmark, len(back.Subjects))
	}
	for _, s := range back.Subjects {
		for _, q := range quantities {
			benchtest.CheckMetric(t, s.Key+" "+q.Key, s.Metrics[q.Key], false)
		}
		if img, push := s.Metrics["image_bytes"], s.Metrics["push_bytes"]; img.OK() && push.OK() && *push.Value < *img.Value {
			t.Errorf("%s: %v bytes pushed, less than the image's %v", s.Key, *push.Value, *img.Value)
		}
	}
}
