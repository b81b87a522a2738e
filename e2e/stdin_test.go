package e2e

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// unigo run -i gives the app its standard input, to the end and intact
// (zero bytes included: the stream is framed), with flow control: 1 MiB
// is more than the guest's ring holds. Without -i the app reads
// end-of-file at once.
func TestRunStdin(t *testing.T) {
	t.Parallel()
	img := app(t, "stdin")
	data := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.IntN(4)) // many zeros and ones: the framing's bytes
	}
	copy(data, "first line\n")
	cmd := exec.Command(unigoBin, "run", "-i", img)
	cmd.Stdin = strings.NewReader(string(data))
	out, err := cmd.CombinedOutput()
	want := fmt.Sprintf("read %d bytes, sha256 %x, first line \"first line\"", len(data), sha256.Sum256(data))
	if err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("unigo run -i: %v\n%s\nwant %s", err, out, want)
	}
	cmd = exec.Command(unigoBin, "run", img)
	cmd.Stdin = strings.NewReader("not given")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "read 0 bytes") {
		t.Fatalf("unigo run without -i: %v\n%s", err, out)
	}
	unigo(t, nil, "run", "-d", "-i", img).expect(t, 125, "stderr:-i with -d")
}
