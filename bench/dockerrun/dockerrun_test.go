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
