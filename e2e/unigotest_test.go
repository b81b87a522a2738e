package e2e

import (
	"strings"
	"testing"
)

// unigo test runs a package's tests inside the unikernel, with its source
// directory (and testdata/) as the working directory.
func TestUnigoTestUserPackage(t *testing.T) {
	t.Parallel()
	r := unigo(t, nil, "test", "-v", "./e2e/testdata/withtests")
	r.expect(t, 0, "--- PASS: TestGreetingFromTestdata", "--- PASS: TestTempDir", "ok  \tunigo.dev/unigo/e2e/testdata/withtests")
}

func TestUnigoTestReportsFailure(t *testing.T) {
	t.Parallel()
	r := unigo(t, nil, "test", "-run", "TestGreeting", "./e2e/testdata/withtests", "./e2e/testdata/no-such-pkg")
	if r.code != 1 || !strings.Contains(r.stdout, "ok  \tunigo.dev/unigo/e2e/testdata/withtests") || !strings.Contains(r.stderr, "FAIL\t./e2e/testdata/no-such-pkg") {
		t.Fatalf("want ok for one package, FAIL for the missing one and exit 1:\n%v", r)
	}
}

func TestUnigoTestStandardLibrary(t *testing.T) {
	t.Parallel()
	unigo(t, nil, "test", "strings").expect(t, 0, "ok  \tstrings")
}
