package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// waitHTTP polls url until it answers 200, the instance exits, or the
// deadline passes.
func waitHTTP(ctx context.Context, w *watched, url string, deadline time.Time) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		if !w.running() {
			return fmt.Errorf("the app stopped before answering %s (last: %v)", url, last)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: no 200 from %s (last: %v)", errTimeout, url, last)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// loadResult is what one bounded load measured.
type loadResult struct {
	Requests int
	Errors   int
	RPS      float64
	P99      time.Duration
}

// runLoad sends GET url over conns keep-alive connections, each sending its
// next request when the last is answered (so at most conns are in flight),
// for d; it returns the rate of good responses and their 99th-percentile
// latency.
func runLoad(ctx context.Context, url string, conns int, d time.Duration) (loadResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		errs  int
		first error
		wg    sync.WaitGroup
		began = time.Now()
	)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			var firstErr error
			for ctx.Err() == nil {
				t := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %s", resp.Status)
					}
				}
				if ctx.Err() != nil {
					break // the request the deadline cut short does not count
				}
				if err != nil {
					bad++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			if first == nil {
				first = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	if len(lat) == 0 {
		if first == nil {
			first = errors.New("no response")
		}
		return loadResult{}, fmt.Errorf("load: no good response in %v: %w", d, first)
	}
	slices.Sort(lat)
	res := loadResult{Requests: len(lat), Errors: errs, RPS: float64(len(lat)) / elapsed.Seconds(),
		P99: lat[(len(lat)*99+99)/100-1]} // nearest rank
	if errs > 0 {
		return res, fmt.Errorf("load: %d of %d requests failed; the first: %v", errs, errs+len(lat), first)
	}
	return res, nil
}
