package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// pool is a route's instances and the requests waiting for one.
type pool struct {
	route   *Route
	launch  *launcher
	metrics *metrics

	mu          sync.Mutex
	backends    []*backend // starting and ready, not gone
	waiting     int        // requests in acquire
	changed     chan struct{}
	failures    int   // instances that never became ready, ever
	lastFailure error // the last one's reason
	retired     bool  // the route was removed or changed: no new instances
	quit        context.CancelFunc
}

func newPool(r *Route, l *launcher, m *metrics) *pool {
	return &pool{route: r, launch: l, metrics: m, changed: make(chan struct{})}
}

// Errors of acquire, each its own status code.
var (
	errQueueFull = errors.New("too many requests are waiting for this route")
	errNotReady  = errors.New("no instance of this route came up")
)

// acquire returns a ready backend with room for one more request, starting
// instances as the load needs (up to the route's max) and waiting while
// none has room; cold reports that the request waited for an instance to
// start. release must follow a backend.
func (p *pool) acquire(ctx context.Context) (b *backend, cold bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b := p.pick(); b != nil {
		b.inflight++
		return b, false, nil
	}
	if p.waiting >= p.route.Queue || p.retired {
		return nil, false, errQueueFull
	}
	p.waiting++
	defer func() { p.waiting-- }()
	failures := p.failures
	for {
		if b := p.pick(); b != nil {
			b.inflight++
			return b, cold, nil
		}
		if p.failures != failures && len(p.backends) == 0 {
			return nil, cold, fmt.Errorf("%w: %v", errNotReady, p.lastFailure)
		}
		if p.needsStart() {
			p.startLocked()
		}
		cold = true
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
			p.mu.Lock()
		case <-ctx.Done():
			p.mu.Lock()
			return nil, cold, ctx.Err()
		}
	}
}

// release ends a request on b.
func (p *pool) release(b *backend) {
	p.mu.Lock()
	b.inflight--
	b.lastUsed = time.Now()
	p.broadcastLocked()
	p.mu.Unlock()
}

// pick is the ready backend with the fewest requests in flight and room
// for one more; nil if none.
func (p *pool) pick() *backend {
	var best *backend
	for _, b := range p.backends {
		if !b.isReady() || b.inflight >= p.route.Concurrency {
			continue
		}
		if best == nil || b.inflight < best.inflight {
			best = b
		}
	}
	return best
}

// needsStart reports whether the waiting requests need another instance:
// the starting ones will not take them all, and the route allows more.
func (p *pool) needsStart() bool {
	starting := 0
	for _, b := range p.backends {
		if !b.isReady() {
			starting++
		}
	}
	return !p.retired && len(p.backends) < p.route.Max && starting*p.route.Concurrency < p.waiting
}

// startLocked starts an instance and watches it come up.
func (p *pool) startLocked() {
	b := p.launch.start(context.Background(), p.route)
	p.backends = append(p.backends, b)
	p.metrics.coldStart(p.route.Name)
	go func() {
		<-b.ready
		p.mu.Lock()
		defer p.mu.Unlock()
		if b.failed != nil {
			p.failures++
			p.lastFailure = b.failed
			p.dropLocked(b)
			p.metrics.failedStart(p.route.Name)
		} else {
			b.lastUsed = time.Now()
		}
		p.broadcastLocked()
	}()
}

// dropLocked takes b out of the pool.
func (p *pool) dropLocked(b *backend) {
	b.gone = true
	for i, x := range p.backends {
		if x == b {
			p.backends = append(p.backends[:i], p.backends[i+1:]...)
			break
		}
	}
}

func (p *pool) broadcastLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// drop takes b out of the pool for good (its instance refuses
// connections, or has ended) and removes its instance.
func (p *pool) drop(b *backend) {
	p.mu.Lock()
	gone := b.gone
	if !gone {
		p.dropLocked(b)
		p.broadcastLocked()
	}
	p.mu.Unlock()
	if !gone {
		p.metrics.crashed(p.route.Name)
		go p.launch.stop(b)
	}
}

// suspect looks at b after a request to it failed: if its instance has
// ended (the app crashed), it leaves the pool and a new one will start.
func (p *pool) suspect(b *backend) {
	if !p.launch.alive(b) {
		p.drop(b)
	}
}

// reap stops the instances idle longer than the route's idle time, down to
// its minimum, and starts instances up to the minimum; until ctx ends.
func (p *pool) reap(ctx context.Context) {
	tick := time.NewTicker(min(p.route.Idle/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var idle []*backend
		p.mu.Lock()
		for _, b := range append([]*backend{}, p.backends...) {
			if len(p.backends) <= p.route.Min {
				break
			}
			if b.isReady() && b.inflight == 0 && time.Since(b.lastUsed) >= p.route.Idle {
				p.dropLocked(b)
				idle = append(idle, b)
			}
		}
		for len(p.backends) < p.route.Min {
			p.startLocked()
		}
		p.mu.Unlock()
		for _, b := range idle {
			p.metrics.scaledDown(p.route.Name)
			go p.launch.stop(b)
		}
	}
}

// retire stops the pool's instances once their requests are done: its
// route was removed or changed.
func (p *pool) retire() {
	p.quit()
	p.mu.Lock()
	p.retired = true
	p.broadcastLocked()
	p.mu.Unlock()
	for {
		p.mu.Lock()
		busy := 0
		for _, b := range p.backends {
			busy += b.inflight
		}
		changed := p.changed
		p.mu.Unlock()
		if busy == 0 {
			break
		}
		<-changed
	}
	p.stopAll()
}

// stopAll stops every instance of the pool (the gateway is shutting down).
func (p *pool) stopAll() {
	p.mu.Lock()
	bs := append([]*backend{}, p.backends...)
	for _, b := range bs {
		p.dropLocked(b)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-b.ready
			if b.failed == nil {
				p.launch.stop(b)
			}
		}()
	}
	wg.Wait()
}

// counts are the pool's instances by state, for the metrics.
func (p *pool) counts() (starting, ready, busy int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.backends {
		switch {
		case !b.isReady():
			starting++
		case b.inflight > 0:
			busy++
		default:
			ready++
		}
	}
	return
}
