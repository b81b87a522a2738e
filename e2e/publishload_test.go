package e2e

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Published ports hold load on passt (UNIGO_USERNET=passt,
// vmm/qemu/usernet.go), which listens on the host port with a real backlog
// and accepts at native speed. QEMU's own forwarder (the default) listens
// with a backlog of 1, so at 20+ connections at once clients wait out SYN
// retries (1, 3, 7, 15 s...).
// One VM of loadserve (HTTP on 8080, the Redis protocol on 6379, both
// listening with Go's default backlog: the guest's somaxconn, 4096) takes
// wrk with 500 connections for 10 s without a socket error, then
// redis-benchmark with 100 clients.
func TestPublishUnderLoad(t *testing.T) {
	for _, tool := range []string{"wrk", "redis-benchmark", "ss"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (bash .ci/setup installs it): %v", tool, err)
		}
	}
	t.Parallel()
	web, kv := freePort(t), freePort(t)
	s := serveWith(t, []string{"UNIGO_USERNET=passt"}, "--memory", "256M", "-p", fmt.Sprintf("127.0.0.1:%d:8080", web), "-p", fmt.Sprintf("127.0.0.1:%d:6379", kv), app(t, "loadserve"))
	url := fmt.Sprintf("http://127.0.0.1:%d/", web)
	if body := waitServing(t, s, url); body != "loadserve here\n" {
		t.Fatalf("body %q\n%v", body, s)
	}

	// The host's listening sockets take more than one connection: ss shows
	// the backlog as a listener's Send-Q.
	for _, port := range []int{web, kv} {
		if b := listenBacklog(t, port); b < 64 {
			t.Errorf("host port %d listens with a backlog of %d, want at least 64", port, b)
		}
	}

	start := time.Now()
	out, err := exec.Command("wrk", "-t2", "-c500", "-d10s", "--timeout", "10s", url).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	t.Logf("wrk -t2 -c500 -d10s (%v):\n%s", time.Since(start).Round(time.Millisecond), out)
	requests := wrkCount(t, out, `(\d+) requests in`)
	if requests < 500 {
		t.Errorf("%d requests in 10 s with 500 connections\n%s", requests, out)
	}
	if m := regexp.MustCompile(`Socket errors: .*`).Find(out); m != nil {
		t.Errorf("wrk: %s; want none\n%s", m, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		t.Errorf("wrk: answers other than 200\n%s", out)
	}

	start = time.Now()
	out, err = exec.Command("redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(kv), "-c", "100", "-n", "20000", "-t", "set,get", "-q").CombinedOutput()
	t.Logf("redis-benchmark -c 100 -n 20000 -t set,get (%v):\n%s", time.Since(start).Round(time.Millisecond), lastLines(out))
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s\n%v", err, lastLines(out), s)
	}
	for _, cmd := range []string{"SET", "GET"} {
		if !regexp.MustCompile(`(?m)^` + cmd + `: [0-9.]+ requests per second`).MatchString(lastLines(out)) {
			t.Errorf("redis-benchmark did not finish %s\n%s", cmd, lastLines(out))
		}
	}
	for _, bad := range []string{"Error", "error", "reset", "WARNING"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("redis-benchmark said %q\n%s", bad, lastLines(out))
		}
	}
	if strings.Contains(s.stderr.String(), "unigo:") {
		t.Errorf("the kernel or the stack complained\n%v", s)
	}
}

// listenBacklog is the backlog of the host's TCP socket listening on
// port, as ss -ltn shows it (Send-Q).
func listenBacklog(t *testing.T, port int) int {
	t.Helper()
	out, err := exec.Command("ss", "-ltnH", fmt.Sprintf("sport = :%d", port)).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) < 4 || f[0] != "LISTEN" {
		t.Fatalf("no socket listens on host port %d: ss says %q", port, out)
	}
	b, err := strconv.Atoi(f[2])
	if err != nil {
		t.Fatalf("ss: %q", out)
	}
	return b
}

// wrkCount is the number pattern's group matches in wrk's output.
func wrkCount(t *testing.T, out []byte, pattern string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindSubmatch(out)
	if m == nil {
		t.Fatalf("wrk's output has no %q\n%s", pattern, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// lastLines is the end of redis-benchmark's output (it redraws a progress
// line with carriage returns): what follows the last carriage return of
// each line.
func lastLines(out []byte) string {
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		if i := strings.LastIndexByte(l, '\r'); i >= 0 {
			l = l[i+1:]
		}
		if l = strings.TrimSpace(l); l != "" {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
