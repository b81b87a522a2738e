package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// conformance lists the standard-library packages whose own test suites
// must pass inside the unikernel (CONFORMANCE.md), with the tests skipped
// and why. Keep the skips short and justified.
var conformance = []struct {
	pkg, skip, why string
}{
	{"archive/tar", "", ""}, {"archive/zip", "", ""}, {"bufio", "", ""}, {"bytes", "", ""},
	{"compress/flate", "", ""},
	{"compress/gzip", "", ""},
	{"container/heap", "", ""}, {"container/list", "", ""},
	{"context", "", ""},
	{"crypto/aes", "", ""}, {"crypto/ecdsa", "", ""}, {"crypto/ed25519", "", ""}, {"crypto/hmac", "", ""},
	{"crypto/sha256", "", ""}, {"crypto/sha512", "", ""},
	{"encoding/base64", "", ""}, {"encoding/binary", "", ""}, {"encoding/csv", "", ""}, {"encoding/hex", "", ""},
	{"encoding/json", "", ""},
	{"encoding/xml", "", ""}, {"errors", "", ""},
	{"flag", "^TestExitCode$", "re-executes the test binary as a subprocess: one program per unikernel, by design"},
	{"fmt", "", ""}, {"hash/crc32", "", ""}, {"html/template", "", ""}, {"io", "", ""}, {"io/fs", "", ""},
	{"math", "", ""}, {"math/big", "", ""}, {"math/rand", "", ""},
	{"net", "^(" + netRaw + "|" + netAllocs + ")$|" + netSubprocess, "see the net* lists below"},
	{"net/http", "", ""},
	{"os", "^(" + osSubprocess + "|" + osOwnFile + "|" + osUsrBin + ")$", "see the os* lists below"},
	{"path", "", ""},
	{"path/filepath", "^TestBug3486$", "walks $GOROOT/src/unicode: the Go source tree is not in the image"},
	{"regexp", "", ""},
	{"sort", "", ""}, {"strconv", "", ""}, {"strings", "", ""},
	{"sync", "^(TestMutexMisuse|TestIssue76126)$", "re-execute the test binary as a subprocess: one program per unikernel, by design"},
	{"sync/atomic", "", ""}, {"text/template", "", ""}, {"time", "", ""}, {"unicode/utf8", "", ""},
}

// The os tests skipped, by reason.
const (
	// They start a subprocess (often the test binary itself): one program
	// per unikernel, by design.
	osSubprocess = "TestFileChdirTestlog|TestStdPipe|TestReadNonblockingFd|TestProcessWithHandleLinux|" +
		"TestKillFindProcess|TestGetppid|TestKillStartProcess|TestStatStdin|TestStartProcess|TestExecutable"
	// They open the program's own file by path: the image carries the
	// program as its boot image, not as a file in its root.
	osOwnFile = "TestOpenFileNonBlocking|TestPidfdLeak"
	// They list or enter /usr/bin: a unikernel has no other programs.
	osUsrBin = "TestChdirAndGetwd|TestReaddirnamesOneAtATime"
)

// The net tests skipped, by reason.
const (
	// They open raw IP sockets (SOCK_RAW, ip4:icmp), which need privilege
	// on Linux and which the kernel does not offer.
	netRaw = "TestIPConnLocalName|TestIPConnRemoteName|TestIPConnSpecificMethods"
	// They count the allocations of the whole program during a read and
	// write, or while an address is formatted (testing.AllocsPerRun); the
	// network stack is goroutines of the same program, so its allocations
	// are counted too (TestIPAppendTextNoAllocs saw one, once, in CI).
	netAllocs = "TestTCPReadWriteAllocs|TestAllocs|TestIPAppendTextNoAllocs"
	// These TestSplice cases feed the sockets from a child process (the
	// test binary run again): one program per unikernel, by design.
	netSubprocess = "^TestSplice$/./^(simple|multipleWrite|big|honorsLimitedReader|updatesLimitedReaderN|limitedReaderAtLimit)$"
)

// TestStandardLibraryConformance runs the suites above with unigo test
// (about eight minutes under software emulation, net/http two of them). UNIGO_CONFORMANCE=off
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
			// net/http takes 2 minutes under software emulation: give it room
			// when the machine is busy.
			r := unigoWithin(t, 8*time.Minute, nil, append(args, c.pkg)...)
			r.expect(t, 0, "ok  \t"+c.pkg+"\t")
		})
	}
}

// thirdParty lists real programs' own suites that must pass inside the
// unikernel, straight from the module cache (PKG@VERSION through the
// module proxy), with what they need beyond the defaults.
var thirdParty = []struct {
	pkg, version, memory, skip string
}{
	// A database that memory-maps its file. 4 GiB (QEMU backs only what
	// the guest touches): TestBucket_Put_ValueTooLarge allocates a 2 GiB
	// value, which the Go runtime zeroes page by page when the heap reuses
	// the addresses (natively it has the host's RAM), and TestDB_HugeValue
	// keeps a 256 MiB value on the heap twice and in a database on /tmp.
	// Skipped: TestDB_Open_InitialMmapSize gives a 128 MiB commit 5 s of
	// wall clock; under software emulation with the suite's other VMs on
	// two CPUs it took 4–7 s (a speed limit, not a behaviour: it passes
	// alone).
	{"go.etcd.io/bbolt", "v1.4.3", "4G", "^TestDB_Open_InitialMmapSize$"},
	// SQLite translated to Go: its own file I/O, POSIX and OFD record
	// locks, WAL. Skipped: the tests that run the test binary (or go test
	// -race) again as a child, one program per unikernel by design; and the
	// two subtests that loop 1000 times over a 200 ms deadline (200 s each,
	// natively too), beyond CI's budget.
	{"modernc.org/sqlite", "v1.62.0", "1G", "^TestRegisteredFunctions$/context_expiring$|^(" + sqliteSubprocess + ")$"},
}

// sqliteSubprocess are modernc.org/sqlite's tests that start a child
// process: the test binary, or the go command.
const sqliteSubprocess = "TestConcurrentGoroutines|TestOFDLockSurvivesOSClose|TestOFDLockInterleavedReadersWrite|" +
	"TestOFDLockReadOnlyFirstLocker|TestOFDLockFailedFirstLock|TestOFDLockingSetter"

// TestThirdPartyConformance runs the suites of thirdParty with unigo test
// -short, as CONFORMANCE.md records them; UNIGO_CONFORMANCE=off leaves it
// out of a quick local run, as for the standard library's.
func TestThirdPartyConformance(t *testing.T) {
	if os.Getenv("UNIGO_CONFORMANCE") == "off" {
		t.Skip("UNIGO_CONFORMANCE=off")
	}
	t.Parallel()
	for _, c := range thirdParty {
		t.Run(strings.ReplaceAll(c.pkg, "/", "_"), func(t *testing.T) {
			args := []string{"test", "-short", "-memory", c.memory}
			if c.skip != "" {
				args = append(args, "-skip", c.skip)
			}
			r := unigoWithin(t, 8*time.Minute, nil, append(args, c.pkg+"@"+c.version)...)
			r.expect(t, 0, "ok  \t"+c.pkg+"\t")
		})
	}
}
