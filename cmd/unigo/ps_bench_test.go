package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/launch"
)

// BenchmarkPs times `unigo ps -a`, the whole command (process start
// included), over 0, 200 and 1,000 instances in state files. The targets:
// under 100 ms with 200, under 200 ms with 1,000 (the density issue).
//
//	go test -run '^$' -bench Ps -benchtime 20x ./cmd/unigo/
func BenchmarkPs(b *testing.B) {
	for _, n := range []int{0, 200, 1000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			root := b.TempDir()
			is := instance.Open(root)
			for i := range n {
				spec := launch.Config{Image: "hello:latest", ImageID: "sha256:0", Argv0: "hello", Ports: []string{"8080/tcp"}}
				if _, err := is.Create(fmt.Sprintf("app-%03d", i), spec, instance.IO{}); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				cmd := exec.Command(unigoBin, "ps", "-a")
				cmd.Env = append(cmd.Environ(), "UNIGO_ROOT="+root)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				if got := strings.Count(string(out), "\n") - 1; got != n {
					b.Fatalf("listed %d instances, want %d:\n%s", got, n, out)
				}
			}
		})
	}
}
