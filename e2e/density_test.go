package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A bounded density run (issue 22): 50 idle instances of examples/httpd
// started with unigo run -d, every one answering, measured, and all gone
// afterwards. Not parallel: 50 VMs are the machine's whole load meanwhile.
func TestBenchDensity(t *testing.T) {
	out := t.TempDir()
	root := filepath.Join(out, "unigo-root")
	defer func() {
		// Should the benchmark have left anything, do not let it burden
		// the tests after this one.
		if left := processesOf(root); len(left) > 0 {
			for _, st := range instances(t, root) {
				in(t, root, "rm", "-f", st.Name)
			}
		}
	}()
	const count = 50
	var rep struct {
		Subjects []struct {
			Key       string
			Asked     int
			Started   int
			Answered  int
			Metrics   map[string]struct{ Value *float64 }
			Instances []struct {
				Name    string
				Error   string
				Ready   float64 `json:"ready_s"`
				RSS     int64   `json:"rss_bytes"`
				PSS     int64   `json:"pss_bytes"`
				IdleCPU float64 `json:"idle_cpu_s_per_min"`
				Procs   []struct {
					Role string
					PSS  int64 `json:"pss_bytes"`
				}
			}
		}
		Checks []struct {
			Subject string
			Limit   float64
			Pass    bool
		}
	}
	// The memory regression check with a budget well over the ~55 MiB an
	// instance takes here: it catches a doubling, not noise.
	r := benchDensity(t, out, 6*time.Minute, &rep, "--count", "50", "--settle", "5s", "--window", "5s",
		"--subjects", "unigo", "--max-pss", "96M")
	if len(rep.Subjects) != 1 || rep.Subjects[0].Key != "unigo" {
		t.Fatalf("subjects: %+v", rep.Subjects)
	}
	s := rep.Subjects[0]
	if s.Asked != count || s.Started != count || s.Answered != count || len(s.Instances) != count {
		t.Errorf("asked %d, started %d, answered %d, %d instances in the report: want %d each", s.Asked, s.Started, s.Answered, len(s.Instances), count)
	}
	for _, inst := range s.Instances {
		roles := map[string]int{}
		for _, p := range inst.Procs {
			if p.PSS > 0 {
				roles[p.Role]++
			}
		}
		if inst.Error != "" || inst.Ready <= 0 || inst.RSS <= 0 || inst.PSS <= 0 || inst.PSS > inst.RSS || roles["vm"] != 1 || roles["supervisor"] != 1 {
			t.Errorf("instance %s: error %q, ready %vs, RSS %d, PSS %d, processes %+v: want an answer, memory, and a QEMU and a monitor",
				inst.Name, inst.Error, inst.Ready, inst.RSS, inst.PSS, inst.Procs)
		}
	}
	for _, key := range []string{"answered", "start_rate", "ready", "pss", "rss", "pss_total", "rss_total", "avail_before", "avail_running", "swap", "idle_cpu", "idle_cpu_all", "poke", "poke_p99", "list", "remove"} {
		if s.Metrics[key].Value == nil {
			t.Errorf("the report has no %s", key)
		}
	}
	if len(rep.Checks) != 1 || !rep.Checks[0].Pass || rep.Checks[0].Subject != "unigo" || rep.Checks[0].Limit != 96<<20 {
		t.Errorf("the regression check: %+v, want one of unigo against 96 MiB, passed", rep.Checks)
	}
	for _, want := range []string{"PSS per instance", "idle CPU per instance", "poke latency p99", "nothing left", "check pass: unigo median PSS per instance"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table lacks %q", want)
		}
	}

	// Nothing of it is left.
	checkNoProcesses(t, root)
	ps := in(t, root, "ps", "-a")
	if lines := strings.Split(strings.TrimSpace(ps.stdout), "\n"); ps.code != 0 || len(lines) != 1 {
		t.Errorf("unigo ps -a after the benchmark:\n%v", ps)
	}
}

// The density run's Linux microVMs: two of them, each answering through
// its published port, measured as one QEMU process, and killed after.
func TestBenchDensityLinux(t *testing.T) {
	out := t.TempDir()
	var rep struct {
		Subjects []struct {
			Key       string
			Answered  int
			Metrics   map[string]struct{ Value *float64 }
			Instances []struct {
				Name  string
				Error string
				PSS   int64 `json:"pss_bytes"`
				Procs []struct{ Role, Name string }
			}
		}
	}
	r := benchDensity(t, out, 6*time.Minute, &rep, "--count", "2", "--settle", "2s", "--window", "5s", "--subjects", "linux")
	if len(rep.Subjects) != 1 || rep.Subjects[0].Key != "linux" || rep.Subjects[0].Answered != 2 {
		t.Fatalf("subjects: %+v, want linux with both answering", rep.Subjects)
	}
	for _, inst := range rep.Subjects[0].Instances {
		if inst.Error != "" || inst.PSS <= 0 || len(inst.Procs) != 1 || !strings.HasPrefix(inst.Procs[0].Name, "qemu-system") {
			t.Errorf("instance %+v: want an answer, memory, and one QEMU", inst)
		}
	}
	for _, key := range []string{"pss", "idle_cpu", "poke", "ready"} {
		if rep.Subjects[0].Metrics[key].Value == nil {
			t.Errorf("the report has no %s", key)
		}
	}
	if !strings.Contains(r.stdout, "no list command") {
		t.Errorf("the table does not say why Linux VMs have no list command")
	}
	checkNoProcesses(t, out)
}

// The density run with --net tap: each VM on a tap device of its own, a
// link to the host, reached at its own address, and the taps gone
// afterwards.
func TestBenchDensityTap(t *testing.T) {
	out := t.TempDir()
	root := filepath.Join(out, "unigo-root")
	defer func() {
		for _, st := range instances(t, root) {
			in(t, root, "rm", "-f", st.Name)
		}
	}()
	var rep struct {
		Subjects []struct {
			Answered  int
			Instances []struct{ Addr, Error string }
		}
	}
	benchDensity(t, out, 5*time.Minute, &rep, "--net", "tap", "--count", "2", "--settle", "2s", "--window", "2s", "--subjects", "unigo")
	if len(rep.Subjects) != 1 || rep.Subjects[0].Answered != 2 {
		t.Fatalf("subjects: %+v, want unigo with both answering", rep.Subjects)
	}
	for _, inst := range rep.Subjects[0].Instances {
		if !strings.HasPrefix(inst.Addr, "10.203.0.") || inst.Error != "" {
			t.Errorf("instance %+v: want an answer at its own address on its tap's link", inst)
		}
	}
	links, err := exec.Command("ip", "-o", "link", "show").Output()
	must(t, err)
	if strings.Contains(string(links), "udens") {
		t.Errorf("the benchmark's taps are left:\n%s", links)
	}
	checkNoProcesses(t, root)
}

// benchDensity runs unigo bench density with args and --out out, within
// limit, fails the test unless it succeeds, and decodes its results.json
// into rep.
func benchDensity(t *testing.T, out string, limit time.Duration, rep any, args ...string) result {
	t.Helper()
	start := time.Now()
	r := unigoWithin(t, limit, nil, append(append([]string{"bench", "density"}, args...), "--out", out)...)
	t.Logf("unigo bench density %s took %v\n%s", strings.Join(args, " "), time.Since(start).Round(time.Second), r.stdout)
	if r.code != 0 {
		t.Fatalf("unigo bench density %s: %v", strings.Join(args, " "), r)
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, rep); err != nil {
		t.Fatal(err)
	}
	return r
}
