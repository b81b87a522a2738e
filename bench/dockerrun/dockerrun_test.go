package dockerrun

import (
	"context"
	"os"
	"strings"
	"testing"
)

// Without the runtime registered in Docker, the benchmark stops at once
// and says how to register it (the real run needs daemon.json changed,
// which the e2e tests do and restore; BENCHMARKS.md has its results).
func TestRuntimeNotRegistered(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Config{Unigo: exe, Runtime: "unigo-no-such-runtime", Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `Docker has no runtime "unigo-no-such-runtime"`) || !strings.Contains(err.Error(), "daemon.json") {
		t.Fatalf("err = %v", err)
	}
}

// docker stats' sizes are read in bytes.
func TestParseDockerSize(t *testing.T) {
	for in, want := range map[string]float64{"12.5MiB": 12.5 * (1 << 20), "980KiB": 980 << 10, "1.5GiB": 1.5 * (1 << 30), "512B": 512} {
		if got, err := parseDockerSize(in); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := parseDockerSize("--"); err == nil {
		t.Error("-- read as a size")
	}
}
