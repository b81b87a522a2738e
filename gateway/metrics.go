package gateway

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// metrics are the gateway's counters, written in Prometheus' text format.
type metrics struct {
	mu       sync.Mutex
	counters map[string]map[string]int64 // metric -> route -> count
	queue    map[string]*histogram       // route -> time requests waited for an instance
}

// queueBuckets are the upper bounds (seconds) of the queue-time histogram.
var queueBuckets = []float64{0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []int64 // per bucket, cumulative at write time
	sum    float64
	n      int64
}

func newMetrics() *metrics {
	return &metrics{counters: map[string]map[string]int64{}, queue: map[string]*histogram{}}
}

func (m *metrics) add(metric, route string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counters[metric] == nil {
		m.counters[metric] = map[string]int64{}
	}
	m.counters[metric][route]++
}

func (m *metrics) coldStart(route string)   { m.add("unigo_serve_cold_starts_total", route) }
func (m *metrics) failedStart(route string) { m.add("unigo_serve_failed_starts_total", route) }
func (m *metrics) crashed(route string)     { m.add("unigo_serve_crashed_instances_total", route) }
func (m *metrics) scaledDown(route string)  { m.add("unigo_serve_idle_stops_total", route) }

// request counts a request by how it was served and how long it waited
// for an instance.
func (m *metrics) request(route string, cold bool, code int, waited time.Duration) {
	kind := "unigo_serve_warm_requests_total"
	if cold {
		kind = "unigo_serve_cold_requests_total"
	}
	m.add(kind, route)
	m.add(fmt.Sprintf("unigo_serve_responses_total{code=%q}", fmt.Sprint(code)), route)
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.queue[route]
	if h == nil {
		h = &histogram{counts: make([]int64, len(queueBuckets))}
		m.queue[route] = h
	}
	s := waited.Seconds()
	for i, ub := range queueBuckets {
		if s <= ub {
			h.counts[i]++
		}
	}
	h.sum += s
	h.n++
}

// write writes every metric, and the pools' instances by state.
func (m *metrics) write(w io.Writer, pools []*pool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.counters))
	for n := range m.counters {
		names = append(names, n)
	}
	sort.Strings(names)
	// Every route counted since the start, those a reload removed too.
	for _, n := range names {
		for _, route := range sortedKeys(m.counters[n]) {
			fmt.Fprintf(w, "%s %d\n", withRoute(n, route), m.counters[n][route])
		}
	}
	fmt.Fprintln(w, "# TYPE unigo_serve_queue_seconds histogram")
	for _, route := range sortedKeys(m.queue) {
		h := m.queue[route]
		for i, ub := range queueBuckets {
			fmt.Fprintf(w, "unigo_serve_queue_seconds_bucket{route=%q,le=%q} %d\n", route, fmt.Sprint(ub), h.counts[i])
		}
		fmt.Fprintf(w, "unigo_serve_queue_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", route, h.n)
		fmt.Fprintf(w, "unigo_serve_queue_seconds_sum{route=%q} %g\n", route, h.sum)
		fmt.Fprintf(w, "unigo_serve_queue_seconds_count{route=%q} %d\n", route, h.n)
	}
	fmt.Fprintln(w, "# TYPE unigo_serve_instances gauge")
	for _, p := range pools {
		starting, ready, busy := p.counts()
		for _, c := range []struct {
			state string
			n     int
		}{{"starting", starting}, {"idle", ready}, {"busy", busy}} {
			fmt.Fprintf(w, "unigo_serve_instances{route=%q,state=%q} %d\n", p.route.Name, c.state, c.n)
		}
	}
}

// withRoute adds the route label to a metric name that may carry labels.
func withRoute(name, route string) string {
	if n := len(name); n > 0 && name[n-1] == '}' {
		return fmt.Sprintf("%s,route=%q}", name[:n-1], route)
	}
	return fmt.Sprintf("%s{route=%q}", name, route)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
