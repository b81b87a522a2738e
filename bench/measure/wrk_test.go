package measure

import (
	"strings"
	"testing"
	"time"
)

// A report of wrk 4.1 (Debian 12) with --latency, from a server that
// timed out some requests and answered some with errors.
const wrkReport = `Running 10s test @ http://127.0.0.1:18081/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    61.46ms  133.98ms   1.76s    96.79%
    Req/Sec   382.84    175.93   690.00     63.74%
  Latency Distribution
     50%  835.00us
     75%   44.16ms
     90%   65.12ms
     99%    1.20s
  6642 requests in 10.06s, 0.93MB read
  Socket errors: connect 1, read 2, write 0, timeout 8
  Non-2xx or 3xx responses: 3
Requests/sec:    660.42
Transfer/sec:     94.81KB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkReport)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 6642 || r.RPS != 660.42 || r.P50 != 835*time.Microsecond || r.P99 != 1200*time.Millisecond || r.Errors != 14 {
		t.Errorf("parseWrk: %+v", r)
	}
	if !strings.Contains(r.ErrText, "timeout 8") || !strings.Contains(r.ErrText, "Non-2xx") {
		t.Errorf("error text %q", r.ErrText)
	}
	clean := strings.NewReplacer("  Socket errors: connect 1, read 2, write 0, timeout 8\n", "", "  Non-2xx or 3xx responses: 3\n", "").Replace(wrkReport)
	if r, err := parseWrk(clean); err != nil || r.Errors != 0 || r.ErrText != "" {
		t.Errorf("without errors: %+v, %v", r, err)
	}
	noLatency := strings.Replace(wrkReport, "     99%    1.20s\n", "", 1)
	if _, err := parseWrk(noLatency); err == nil || !strings.Contains(err.Error(), "--latency") {
		t.Errorf("without the 99%% line: %v, want an error naming --latency", err)
	}
	if _, err := parseWrk(strings.Replace(wrkReport, "1.20s", "1.20x", 1)); err == nil {
		t.Error("a latency in an unknown unit parsed")
	}
}

func TestFindWrkNamesThePackage(t *testing.T) {
	_, err := FindWrk("wrk-that-is-not-installed")
	if err == nil || !strings.Contains(err.Error(), "apt-get install wrk") {
		t.Errorf("findWrk of a missing binary: %v, want the package named", err)
	}
}

func TestWrkCommandLine(t *testing.T) {
	for spec, want := range map[Load]string{
		{2, 64, 10 * time.Second}:       "wrk -t2 -c64 -d10s --latency",
		{1, 4, 1500 * time.Millisecond}: "wrk -t1 -c4 -d1500ms --latency",
	} {
		if got := spec.String(); got != want {
			t.Errorf("%+v: %q, want %q", spec, got, want)
		}
	}
}
