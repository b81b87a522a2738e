package measure

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The HTTP load of bench compare is wrk (Debian's wrk package): the load
// generator the numbers were measured with, so that the rates here
// and there mean the same. It runs on the same host as the server and
// competes with it for the CPUs, as the loopback-only runs do.

// wrkPackage is what to install when wrk is missing.
const wrkPackage = "wrk"

// Load is one bounded wrk run: `wrk -tThreads -cConns -dDuration`.
type Load struct {
	Threads  int
	Conns    int
	Duration time.Duration
}

func (l Load) String() string {
	return fmt.Sprintf("wrk -t%d -c%d -d%s --latency", l.Threads, l.Conns, wrkDuration(l.Duration))
}

// wrkDuration writes d as wrk reads it: whole seconds when it is, else
// milliseconds (wrk takes "10s", "500ms").
func wrkDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", max(1, d/time.Millisecond))
}

// LoadResult is what one bounded load measured.
type LoadResult struct {
	Requests int           // completed requests, as wrk counts them
	Errors   int           // socket errors (connect, read, write, timeout) and non-2xx/3xx responses
	ErrText  string        // wrk's own lines about them
	RPS      float64       // wrk's Requests/sec
	P50, P99 time.Duration // wrk's latency distribution
}

// FindWrk returns the wrk binary, or an error naming the package to install.
func FindWrk(name string) (string, error) {
	if name == "" {
		name = "wrk"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("the HTTP load generator %s is not installed: install Debian's %s package (apt-get install %s), or give --wrk PATH", name, wrkPackage, wrkPackage)
	}
	return p, nil
}

// RunWrk loads url with wrk as spec says and parses its report.
func RunWrk(ctx context.Context, wrk, url string, spec Load) (LoadResult, error) {
	args := []string{fmt.Sprintf("-t%d", spec.Threads), fmt.Sprintf("-c%d", spec.Conns),
		"-d" + wrkDuration(spec.Duration), "--latency", url}
	cmd := exec.CommandContext(ctx, wrk, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return LoadResult{}, fmt.Errorf("%s %s: %v: %s", wrk, strings.Join(args, " "), err, LastLines(strings.TrimSpace(out.String()), 3))
	}
	res, err := parseWrk(out.String())
	if err != nil {
		return res, fmt.Errorf("%s %s: %w", wrk, strings.Join(args, " "), err)
	}
	if res.Requests == 0 {
		return res, fmt.Errorf("load: no response in %v (%s)", spec.Duration, strings.TrimSpace(res.ErrText))
	}
	return res, nil
}

// parseWrk reads wrk 4's report with --latency:
//
//	  Latency Distribution
//	     50%    1.18ms
//	     99%  136.62ms
//	  123630 requests in 3.10s, 17.33MB read
//	  Socket errors: connect 0, read 0, write 0, timeout 8
//	  Non-2xx or 3xx responses: 3
//	Requests/sec:  39913.44
func parseWrk(report string) (LoadResult, error) {
	var (
		res               LoadResult
		haveRPS, haveReqs bool
		haveP50, haveP99  bool
		errLines          []string
	)
	sc := bufio.NewScanner(strings.NewReader(report))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := parseWrkTime(f[1])
			if err != nil {
				return res, err
			}
			if f[0] == "50%" {
				res.P50, haveP50 = d, true
			} else {
				res.P99, haveP99 = d, true
			}
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.Atoi(f[0])
			if err != nil {
				return res, fmt.Errorf("wrk's request count %q: %v", f[0], err)
			}
			res.Requests, haveReqs = n, true
		case strings.HasPrefix(line, "Socket errors:"):
			// Socket errors: connect 0, read 0, write 0, timeout 8
			for _, kv := range strings.Split(strings.TrimPrefix(line, "Socket errors:"), ",") {
				p := strings.Fields(kv)
				if len(p) == 2 {
					n, err := strconv.Atoi(p[1])
					if err != nil {
						return res, fmt.Errorf("wrk's socket errors %q: %v", line, err)
					}
					res.Errors += n
				}
			}
			errLines = append(errLines, line)
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")))
			if err != nil {
				return res, fmt.Errorf("wrk's %q: %v", line, err)
			}
			res.Errors += n
			errLines = append(errLines, line)
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return res, fmt.Errorf("wrk's %q: %v", line, err)
			}
			res.RPS, haveRPS = v, true
		}
	}
	res.ErrText = strings.Join(errLines, "; ")
	if !haveRPS || !haveReqs || (res.Requests > 0 && (!haveP50 || !haveP99)) {
		return res, errors.New("wrk's report lacks Requests/sec, the request count or the 50%/99% latency (was --latency given?): " + LastLines(strings.TrimSpace(report), 3))
	}
	return res, nil
}

// parseWrkTime reads a latency as wrk prints it: a number with us, ms, s,
// m or h.
func parseWrkTime(s string) (time.Duration, error) {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				break
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("wrk's latency %q: want a number with us, ms, s, m or h", s)
}
