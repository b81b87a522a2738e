package e2e

import (
	"os"
	"strings"
	"testing"
)

// conformance lists the standard-library packages whose own test suites
// must pass inside the unikernel (CONFORMANCE.md), with the tests skipped
// and why. Keep the skips short and justified.
var conformance = []struct {
	pkg, skip, why string
}{
	{"archive/tar", "", ""}, {"archive/zip", "", ""}, {"bufio", "", ""}, {"bytes", "", ""},
	{"compress/flate", "", ""},
	{"compress/gzip", "^Example_compressingReader$", "starts an httptest server: needs networking (issue 4)"},
	{"container/heap", "", ""}, {"container/list", "", ""},
	{"context", "^ExampleAfterFunc_connection$", "dials TCP: needs networking (issue 4)"},
	{"crypto/aes", "", ""}, {"crypto/ecdsa", "", ""}, {"crypto/ed25519", "", ""}, {"crypto/hmac", "", ""},
	{"crypto/sha256", "", ""}, {"crypto/sha512", "", ""},
	{"encoding/base64", "", ""}, {"encoding/binary", "", ""}, {"encoding/csv", "", ""}, {"encoding/hex", "", ""},
	{"encoding/json", "^TestHTTPDecoding$", "starts an httptest server: needs networking (issue 4)"},
	{"encoding/xml", "", ""}, {"errors", "", ""},
	{"flag", "^TestExitCode$", "re-executes the test binary as a subprocess: one program per unikernel, by design"},
	{"fmt", "", ""}, {"hash/crc32", "", ""}, {"html/template", "", ""}, {"io", "", ""}, {"io/fs", "", ""},
	{"math", "", ""}, {"math/big", "", ""}, {"math/rand", "", ""}, {"path", "", ""}, {"regexp", "", ""},
	{"sort", "", ""}, {"strconv", "", ""}, {"strings", "", ""},
	{"sync", "^(TestMutexMisuse|TestIssue76126)$", "re-execute the test binary as a subprocess: one program per unikernel, by design"},
	{"sync/atomic", "", ""}, {"text/template", "", ""}, {"time", "", ""}, {"unicode/utf8", "", ""},
}

// TestStandardLibraryConformance runs the suites above with unigo test
// (about five minutes under software emulation). UNIGO_CONFORMANCE=off
// leaves it out of a quick local run; CI always runs it.
func TestStandardLibraryConformance(t *testing.T) {
	if os.Getenv("UNIGO_CONFORMANCE") == "off" {
		t.Skip("UNIGO_CONFORMANCE=off")
	}
	t.Parallel()
	for _, c := range conformance {
		t.Run(strings.ReplaceAll(c.pkg, "/", "_"), func(t *testing.T) {
			args := []string{"test"}
			if c.skip != "" {
				args = append(args, "-skip", c.skip)
			}
			r := unigo(t, nil, append(args, c.pkg)...)
			r.expect(t, 0, "ok  \t"+c.pkg+"\t")
		})
	}
}
