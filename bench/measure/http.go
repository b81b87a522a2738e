package measure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// WaitHTTP polls url until it answers 200, the app stops running (running
// says whether it still does), or the deadline passes.
func WaitHTTP(ctx context.Context, running func() bool, url string, deadline time.Time) error {
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
		if !running() {
			return fmt.Errorf("the app stopped before answering %s (last: %v)", url, last)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: no 200 from %s (last: %v)", ErrTimeout, url, last)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ServeRequests sends n GETs to url one after the other on one keep-alive
// connection and reports the first that did not answer 200 within
// timeout: the test of "still serves" in the memory search.
func ServeRequests(ctx context.Context, url string, n int, timeout time.Duration) error {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}
	for i := range n {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %s", resp.Status)
			}
		}
		if err != nil {
			return fmt.Errorf("request %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

// ErrTimeout is wrapped by the errors of waits that ran out of time.
var ErrTimeout = errors.New("timed out")
