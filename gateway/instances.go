package gateway

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"unigo.dev/unigo/hostnet"
	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/vmm"
)

// backend is one instance of a route.
type backend struct {
	name string // the instance's, serve-ROUTE-N
	addr string // 127.0.0.1:PORT, published to the app's port

	ready    chan struct{} // closed once the app listens, or it failed
	failed   error         // why it never became ready (set before ready closes)
	inflight int           // requests being served (the pool's lock)
	lastUsed time.Time     // when the last request ended (the pool's lock)
	gone     bool          // stopped or dead: takes no requests (the pool's lock)
}

// isReady reports whether b's app listens.
func (b *backend) isReady() bool {
	select {
	case <-b.ready:
		return b.failed == nil
	default:
		return false
	}
}

// launcher starts and stops the instances of routes.
type launcher struct {
	is  *instance.Instances
	env launch.Env
	seq atomic.Int64
}

// start boots a new instance of route r, as `unigo run -d` would, with the
// app's port published on a free loopback port; it returns at once, and
// the backend's ready closes when the app listens (or it failed).
func (l *launcher) start(ctx context.Context, r *Route) *backend {
	name := fmt.Sprintf("serve-%s-%d-%d", r.Name, time.Now().Unix()%100000, l.seq.Add(1))
	b := &backend{name: name, ready: make(chan struct{})}
	go func() {
		b.failed = l.boot(ctx, r, b)
		close(b.ready)
	}()
	return b
}

func (l *launcher) boot(ctx context.Context, r *Route, b *backend) error {
	port, err := hostnet.FreeLoopbackPort()
	if err != nil {
		return err
	}
	b.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cfg := launch.Config{Image: r.Image, Env: r.Env,
		Publish: []vmm.Forward{{Proto: "tcp", HostIP: "127.0.0.1", HostPort: port, GuestPort: r.Port}}}
	cfg.Memory = r.memory
	cfg, img, err := launch.Resolve(ctx, l.env, cfg)
	if err != nil {
		return err
	}
	img.Close()
	if _, err := l.is.Run(ctx, b.name, cfg, instance.IO{}); err != nil {
		return err
	}
	want := strconv.Itoa(r.Port) + "/tcp"
	deadline := time.Now().Add(r.Ready)
	for {
		st, err := l.is.Get(b.name)
		if err != nil {
			return err
		}
		if slices.Contains(st.Listening, want) {
			return nil
		}
		if st.Phase != instance.Running {
			return fmt.Errorf("instance %s ended before its app listened on port %d: %s", b.name, r.Port, st.Summary)
		}
		if time.Now().After(deadline) {
			l.stop(b)
			return fmt.Errorf("the app of instance %s did not listen on port %d within %v", b.name, r.Port, r.Ready)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop stops and removes a backend's instance (SIGTERM, then after a
// grace the VM is powered off).
func (l *launcher) stop(b *backend) {
	l.is.Stop(b.name, 5*time.Second)
	l.is.Remove(b.name, true)
}

// alive reports whether a backend's instance still runs.
func (l *launcher) alive(b *backend) bool {
	st, err := l.is.Get(b.name)
	return err == nil && st.Phase == instance.Running
}
