package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// unigo serve: instances booted by the first request of a route, held
// until the app listens, scaled out under load up to the route's max and
// back to zero when idle; an app that never listens gets 504, one that
// dies under a request 502 and then a new instance.
func TestServe(t *testing.T) {
	root := t.TempDir()
	in(t, root, "build", "-t", "web:v1", "./examples/httpd").expect(t, 0)
	in(t, root, "build", "-t", "crashweb:v1", "./e2e/testdata/crashweb").expect(t, 0)
	in(t, root, "build", "-t", "idle:v1", "./e2e/testdata/idle").expect(t, 0)
	t.Cleanup(func() { removeAll(t, root) })
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	metrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	config := filepath.Join(t.TempDir(), "routes.yaml")
	must(t, os.WriteFile(config, []byte("routes:\n- {name: never, image: 'idle:v1', path: /never/, ready: 3s}\n"), 0o644))
	serve := exec.Command(unigoBin, "serve", "--listen", addr, "--metrics", metrics, "--config", config,
		"--route", "web=web:v1,idle=3s,max=2,concurrency=4",
		"--route", "crash=crashweb:v1,path=/crash-app/")
	serve.Dir = repoRoot
	serve.Env = append(serve.Environ(), "UNIGO_ROOT="+root)
	stderr, err := serve.StderrPipe()
	must(t, err)
	must(t, serve.Start())
	var logMu sync.Mutex
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
		}
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			serve.Process.Signal(syscall.SIGTERM)
			serve.Wait()
		}
	}
	defer func() {
		stop()
		if t.Failed() {
			logMu.Lock()
			t.Logf("unigo serve's log:\n%s", tail(log.String(), 4000))
			logMu.Unlock()
		}
	}()
	cl := &http.Client{Timeout: 60 * time.Second}
	get := func(path string) (int, string) {
		resp, err := cl.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor(t, "unigo serve to listen", 30*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	servedBy := func(route string) int {
		n := 0
		for _, line := range strings.Split(in(t, root, "ps").stdout, "\n") {
			if strings.HasPrefix(line, "serve-"+route+"-") && strings.Contains(line, "running") {
				n++
			}
		}
		return n
	}

	// The first request boots an instance and is held until it listens.
	if n := servedBy("web"); n != 0 {
		t.Fatalf("%d instances of web before any request", n)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "Hello from a unigo unikernel!") {
		t.Fatalf("the first request: %d %q", code, body)
	}
	if n := servedBy("web"); n != 1 {
		t.Errorf("after the first request, %d instances of web run, want 1 (unigo ps)", n)
	}

	// HTTP/2 in the clear (h2c, prior knowledge), as gRPC clients speak.
	h2 := &http.Transport{Protocols: new(http.Protocols)}
	h2.Protocols.SetUnencryptedHTTP2(true)
	if resp, err := (&http.Client{Transport: h2, Timeout: 30 * time.Second}).Get("http://" + addr + "/"); err != nil {
		t.Errorf("h2c: %v", err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Proto != "HTTP/2.0" || !strings.Contains(string(b), "Hello") {
			t.Errorf("h2c: %s %q", resp.Proto, b)
		}
	}

	// Load: 200 requests from 40 clients, every one answered, on at most
	// max instances.
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for c := 0; c < 40; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if code, body := get("/"); code != 200 || !strings.Contains(body, "Hello") {
					errs <- fmt.Sprintf("%d %q", code, body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("a request under load: %s", e)
	}
	if n := servedBy("web"); n < 1 || n > 2 {
		t.Errorf("under load, %d instances of web, want 1 or 2 (max=2)", n)
	}

	// Idle for 3 s: back to zero; the next request boots again.
	waitFor(t, "web's instances to stop when idle", 30*time.Second, func() bool { return servedBy("web") == 0 })
	if code, _ := get("/"); code != 200 {
		t.Errorf("the request after scale-to-zero: %d", code)
	}

	// The client's address reaches the app; an app that dies under a
	// request: that request gets 502, the next a new instance.
	if code, body := get("/crash-app/"); code != 200 || !strings.Contains(body, "ok for 127.0.0.1 via for=127.0.0.1") {
		t.Errorf("crash route: %d %q", code, body)
	}
	if code, _ := get("/crash-app/crash"); code != http.StatusBadGateway {
		t.Errorf("a request under which the app dies: %d, want 502", code)
	}
	if code, body := get("/crash-app/"); code != 200 {
		t.Errorf("the request after the crash: %d %q", code, body)
	}

	// An app that never listens: the held request gets 504 after the
	// route's ready time, and its instance is stopped.
	start := time.Now()
	if code, body := get("/never/"); code != http.StatusGatewayTimeout || !strings.Contains(body, "did not listen on port 8080") {
		t.Errorf("a route whose app never listens: %d %q", code, body)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the 504 took %v", d)
	}
	waitFor(t, "the never-listening instance to be stopped", 30*time.Second, func() bool { return servedBy("never") == 0 })

	// SIGHUP reads the configuration again: the never route gone (its
	// path now web's), a new route in its place; web keeps its instance.
	must(t, os.WriteFile(config, []byte("routes:\n- {name: later, image: 'web:v1', path: /later/}\n"), 0o644))
	webBefore := servedBy("web")
	serve.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the reload", 10*time.Second, func() bool {
		logMu.Lock()
		defer logMu.Unlock()
		return strings.Contains(log.String(), "SIGHUP: 3 routes")
	})
	if code, body := get("/later/"); code != 200 || !strings.Contains(body, "Hello") {
		t.Errorf("a route added by SIGHUP: %d %q", code, body)
	}
	if code, _ := get("/never/"); code != 200 {
		t.Errorf("the path of a route removed by SIGHUP, now web's: %d", code)
	}
	if n := servedBy("web"); webBefore > 0 && n < webBefore {
		t.Errorf("web had %d instances before SIGHUP and %d after", webBefore, n)
	}

	// Metrics in Prometheus' text format.
	resp, err := http.Get("http://" + metrics + "/metrics")
	must(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`unigo_serve_cold_starts_total{route="web"}`, `unigo_serve_idle_stops_total{route="web"}`, `unigo_serve_crashed_instances_total{route="crash"} 1`, `unigo_serve_failed_starts_total{route="never"} 1`, `unigo_serve_queue_seconds_count{route="web"}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s:\n%s", want, b)
		}
	}

	// Stopping the gateway stops its instances.
	stop()
	if n := servedBy("web") + servedBy("crash") + servedBy("later"); n != 0 {
		t.Errorf("%d instances still run after unigo serve ended", n)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(log.String(), " web GET / 200 ") || !strings.Contains(log.String(), " cold serve-web-") {
		t.Errorf("the request log lacks web's lines:\n%s", tail(log.String(), 2000))
	}
}
