// Package gateway is `unigo serve`: a front end that boots unikernels on
// demand and scales them to zero. A request for a route with no instance
// starts one (a detached instance, as `unigo run -d` makes it) and is held
// until the app listens on its port — its kernel says so (vmm.Listen,
// instance.Status.Listening) — then proxied; requests beyond the
// instances' concurrency start more, up to the route's maximum, and queue
// beyond that (bounded; then 503 with Retry-After); an instance idle for
// the route's idle time is stopped, down to the route's minimum (zero by
// default). Knative's activator is the model.
package gateway

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"unigo.dev/unigo/internal/memsize"
)

// Route sends the requests for a host and path prefix to instances of one
// image.
type Route struct {
	Name        string        `yaml:"name"`
	Host        string        `yaml:"host"`        // the request's host name; "": any
	Path        string        `yaml:"path"`        // a path prefix; "": "/"
	Image       string        `yaml:"image"`       // an image of the store
	Port        int           `yaml:"port"`        // the app's port; 0: 8080
	Env         []string      `yaml:"env"`         // KEY=VALUE for the app
	Memory      string        `yaml:"memory"`      // the VM's memory (64M, 1G); "": the image's
	Min         int           `yaml:"min"`         // instances kept while idle; default 0
	Max         int           `yaml:"max"`         // instances at most; default 4
	Concurrency int           `yaml:"concurrency"` // requests in flight per instance; default 10
	Idle        time.Duration `yaml:"idle"`        // an instance idle this long stops; default 60s
	Ready       time.Duration `yaml:"ready"`       // how long a new instance may take to listen; default 30s
	Queue       int           `yaml:"queue"`       // requests waiting at most; default 100

	memory int64 // Memory in bytes
}

// Route defaults.
const (
	defaultPort        = 8080
	defaultMax         = 4
	defaultConcurrency = 10
	defaultIdle        = 60 * time.Second
	defaultReady       = 30 * time.Second
	defaultQueue       = 100
)

// setDefaults fills in what r leaves out and checks the rest.
func (r *Route) setDefaults() error {
	if r.Name == "" || strings.ContainsAny(r.Name, "/ \t") {
		return fmt.Errorf("route %q: give a name of letters, digits and dashes", r.Name)
	}
	if r.Image == "" {
		return fmt.Errorf("route %s: no image: give image=NAME[:TAG] of the image store (unigo build -t)", r.Name)
	}
	if r.Path == "" {
		r.Path = "/"
	}
	if !strings.HasPrefix(r.Path, "/") {
		return fmt.Errorf("route %s: path %q: give a prefix that starts with /", r.Name, r.Path)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&r.Port, defaultPort)
	def(&r.Max, defaultMax)
	def(&r.Concurrency, defaultConcurrency)
	def(&r.Queue, defaultQueue)
	if r.Memory != "" {
		var err error
		if r.memory, err = memsize.Parse(r.Memory); err != nil {
			return fmt.Errorf("route %s: memory %w", r.Name, err)
		}
	}
	if r.Idle == 0 {
		r.Idle = defaultIdle
	}
	if r.Ready == 0 {
		r.Ready = defaultReady
	}
	switch {
	case r.Port < 1 || r.Port > 65535:
		return fmt.Errorf("route %s: port %d: give the app's port, 1-65535", r.Name, r.Port)
	case r.Min < 0 || r.Max < 1 || r.Min > r.Max:
		return fmt.Errorf("route %s: min %d, max %d: give 0 <= min <= max and max >= 1", r.Name, r.Min, r.Max)
	case r.Concurrency < 1 || r.Queue < 0:
		return fmt.Errorf("route %s: concurrency %d, queue %d: give concurrency >= 1 and queue >= 0", r.Name, r.Concurrency, r.Queue)
	}
	return nil
}

// ParseRoute reads a route flag: NAME=IMAGE[,host=H][,path=P][,port=N]
// [,min=N][,max=N][,concurrency=N][,idle=DURATION][,ready=DURATION]
// [,queue=N][,memory=SIZE][,env=K=V]...
func ParseRoute(s string) (Route, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok {
		return Route{}, fmt.Errorf("--route %q: give NAME=IMAGE[,path=/prefix][,port=8080][,max=4]...", s)
	}
	fields := strings.Split(rest, ",")
	r := Route{Name: name, Image: fields[0]}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		var err error
		switch k {
		case "host":
			r.Host = v
		case "path":
			r.Path = v
		case "memory":
			r.Memory = v
		case "env":
			r.Env = append(r.Env, v)
		case "port", "min", "max", "concurrency", "queue":
			var n int
			if n, err = strconv.Atoi(v); err == nil {
				*map[string]*int{"port": &r.Port, "min": &r.Min, "max": &r.Max, "concurrency": &r.Concurrency, "queue": &r.Queue}[k] = n
			}
		case "idle", "ready":
			var d time.Duration
			if d, err = time.ParseDuration(v); err == nil {
				*map[string]*time.Duration{"idle": &r.Idle, "ready": &r.Ready}[k] = d
			}
		default:
			return r, fmt.Errorf("--route %s: unknown setting %q (host, path, port, min, max, concurrency, idle, ready, queue, memory, env)", name, k)
		}
		if err != nil {
			return r, fmt.Errorf("--route %s: %s=%s: %v", name, k, v, err)
		}
	}
	return r, r.setDefaults()
}

// matches reports whether the route takes a request for host and path.
func (r *Route) matches(host, path string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if r.Host != "" && !strings.EqualFold(r.Host, host) {
		return false
	}
	return strings.HasPrefix(path, r.Path)
}

// same reports whether o has r's settings (a reload keeps r's instances).
func (r *Route) same(o *Route) bool {
	return r.Name == o.Name && r.Host == o.Host && r.Path == o.Path && r.Image == o.Image && r.Port == o.Port &&
		slices.Equal(r.Env, o.Env) && r.memory == o.memory && r.Min == o.Min && r.Max == o.Max &&
		r.Concurrency == o.Concurrency && r.Idle == o.Idle && r.Ready == o.Ready && r.Queue == o.Queue
}
