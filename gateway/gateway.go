package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/launch"
)

// Gateway routes requests to the instances of its routes.
type Gateway struct {
	mu      sync.RWMutex
	pools   []*pool // most specific route first
	launch  *launcher
	metrics *metrics
	log     io.Writer
	proxy   *httputil.ReverseProxy
	reaping context.Context
	stop    context.CancelFunc
	reaped  sync.WaitGroup
}

// backendKey carries a request's backend to the proxy's Rewrite.
type backendKey struct{}

// New makes a gateway of routes, its instances in is (the images from
// env's store); log receives one line per request.
func New(routes []Route, is *instance.Instances, env launch.Env, log io.Writer) (*Gateway, error) {
	g := &Gateway{metrics: newMetrics(), log: log, launch: &launcher{is: is, env: env}}
	g.reaping, g.stop = context.WithCancel(context.Background())
	if err := g.Reload(routes); err != nil {
		g.stop()
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 256
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			b := pr.In.Context().Value(backendKey{}).(*backend)
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", b.addr
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			pr.Out.Header.Set("Forwarded", forwarded(pr.In))
		},
		Transport:     transport,
		FlushInterval: -1, // streaming bodies pass at once
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if rec, ok := w.(*statusRecorder); ok && !rec.wrote && !rec.sent.Load() && isDialError(err) && r.ContentLength == 0 {
				// Nothing reached any app (the transport's own retry of a
				// request on a reused connection may have: then sent is
				// set): the caller tries another instance.
				rec.dialErr = err
				return
			}
			http.Error(w, "the instance failed to answer: "+err.Error(), http.StatusBadGateway)
		},
	}
	return g, nil
}

// Reload replaces the gateway's routes: a route whose settings are the
// same keeps its pool and instances; the instances of a changed or removed
// route stop once their requests are done. Requests in flight are not
// dropped.
func (g *Gateway) Reload(routes []Route) error {
	names := map[string]bool{}
	for i := range routes {
		if err := routes[i].setDefaults(); err != nil {
			return err
		}
		if names[routes[i].Name] {
			return fmt.Errorf("two routes are named %s", routes[i].Name)
		}
		names[routes[i].Name] = true
	}
	if len(routes) == 0 {
		return errors.New("no routes: give --route NAME=IMAGE or a --config file")
	}
	g.mu.Lock()
	old := map[string]*pool{}
	for _, p := range g.pools {
		old[p.route.Name] = p
	}
	var pools, retired []*pool
	for i := range routes {
		r := routes[i]
		if p := old[r.Name]; p != nil && p.route.same(&r) {
			pools = append(pools, p)
			delete(old, r.Name)
			continue
		}
		p := newPool(&r, g.launch, g.metrics)
		pools = append(pools, p)
		var ctx context.Context
		ctx, p.quit = context.WithCancel(g.reaping)
		g.reaped.Add(1)
		go func() {
			defer g.reaped.Done()
			p.reap(ctx)
		}()
	}
	for _, p := range old {
		retired = append(retired, p)
	}
	// A host name before none, then the longer path prefix.
	sort.SliceStable(pools, func(i, j int) bool {
		a, b := pools[i].route, pools[j].route
		if (a.Host != "") != (b.Host != "") {
			return a.Host != ""
		}
		return len(a.Path) > len(b.Path)
	})
	g.pools = pools
	g.mu.Unlock()
	for _, p := range retired {
		go p.retire()
	}
	return nil
}

// forwarded is the Forwarded header (RFC 7239) for a request.
func forwarded(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = `"[` + host + `]"`
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	return fmt.Sprintf("for=%s;host=%q;proto=%s", host, r.Host, proto)
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p := g.route(r)
	if p == nil {
		http.Error(w, "no route for "+r.Host+r.URL.Path, http.StatusNotFound)
		g.logf(start, "-", r, http.StatusNotFound, false, "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.route.Ready+5*time.Second)
	b, cold, err := p.acquire(ctx)
	cancel()
	waited := time.Since(start)
	if err != nil {
		code := http.StatusGatewayTimeout
		switch {
		case errors.Is(err, errQueueFull):
			code = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "1")
		case errors.Is(err, errNotReady):
			code = http.StatusGatewayTimeout
		case errors.Is(err, context.Canceled):
			code = 499 // the client went away
		}
		http.Error(w, fmt.Sprintf("route %s: %v", p.route.Name, err), code)
		g.metrics.request(p.route.Name, cold, code, waited)
		g.logf(start, p.route.Name, r, code, cold, "")
		return
	}
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	for attempt := 1; ; attempt++ {
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { rec.sent.Store(true) }}
		ctx := httptrace.WithClientTrace(context.WithValue(r.Context(), backendKey{}, b), trace)
		g.proxy.ServeHTTP(rec, r.WithContext(ctx))
		p.release(b)
		if rec.dialErr == nil {
			break
		}
		// The instance no longer takes connections (its app or VM has
		// ended): out of the pool, and the request to another.
		p.drop(b)
		if attempt == maxAttempts {
			http.Error(w, fmt.Sprintf("route %s: no instance took the request: %v", p.route.Name, rec.dialErr), http.StatusBadGateway)
			rec.code = http.StatusBadGateway
			break
		}
		rec.dialErr = nil
		ctx, cancel := context.WithTimeout(r.Context(), p.route.Ready+5*time.Second)
		var again bool
		b, again, err = p.acquire(ctx)
		cancel()
		cold = cold || again
		if err != nil {
			http.Error(w, fmt.Sprintf("route %s: %v", p.route.Name, err), http.StatusBadGateway)
			rec.code = http.StatusBadGateway
			break
		}
	}
	if rec.code == http.StatusBadGateway {
		go p.suspect(b)
	}
	g.metrics.request(p.route.Name, cold, rec.code, waited)
	g.logf(start, p.route.Name, r, rec.code, cold, b.name)
}

// route is the pool of the first route that takes r.
func (g *Gateway) route(r *http.Request) *pool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, p := range g.pools {
		if p.route.matches(r.Host, r.URL.Path) {
			return p
		}
	}
	return nil
}

func (g *Gateway) logf(start time.Time, route string, r *http.Request, code int, cold bool, inst string) {
	if g.log == nil {
		return
	}
	kind := "warm"
	if cold {
		kind = "cold"
	}
	if inst == "" {
		inst = "-"
	}
	fmt.Fprintf(g.log, "%s %s %s %s %s %d %.1fms %s %s\n", start.UTC().Format(time.RFC3339Nano), r.RemoteAddr, route, r.Method, r.URL.RequestURI(), code, float64(time.Since(start).Microseconds())/1000, kind, inst)
}

// Metrics serves the metrics in Prometheus' text format.
func (g *Gateway) Metrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		g.mu.RLock()
		pools := g.pools
		g.mu.RUnlock()
		g.metrics.write(w, pools)
	})
}

// Close stops the routes' instances.
func (g *Gateway) Close() {
	g.stop()
	g.reaped.Wait()
	g.mu.RLock()
	pools := g.pools
	g.mu.RUnlock()
	var wg sync.WaitGroup
	for _, p := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stopAll()
		}()
	}
	wg.Wait()
}

// statusRecorder remembers the status code a handler wrote, and passes
// Flush and Hijack through (streaming bodies, WebSocket upgrades).
type statusRecorder struct {
	http.ResponseWriter
	code    int
	wrote   bool
	dialErr error       // the proxy could not connect to the instance, and wrote nothing
	sent    atomic.Bool // the request was written to an instance
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code, s.wrote = code, true
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// maxAttempts bounds the instances a request is tried on when they refuse
// its connection.
const maxAttempts = 3

// isDialError reports whether err is a failure to connect.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
