// Command netpeer is the guest side of the network robustness and protocol
// tests (e2e/netrobust_test.go). With no arguments it serves:
//
//   - HTTP on :8080: GET / answers "netpeer here"; GET /big?n=N sends N
//     bytes of a fixed pattern; POST /sum answers the length and SHA-256
//     of the body it read; GET /reset drops the connection with a
//     reset (SO_LINGER 0) instead of answering; GET /abort writes until
//     the client has not read for 2 s, then resets the connection (as a
//     server drops a stalled client) and prints "abort: reset after N
//     bytes"; GET /stats answers
//     "conns N", the connections the server holds open now, then the
//     peer and state of each but the asking one;
//   - UDP echo on :7070: every datagram goes back to its sender;
//   - HTTPS on :8443 when $TLS_CERT and $TLS_KEY hold a certificate and
//     its key (base64 of the PEM text), with the same handlers.
//
// With "fetch URL" it fetches URL (over HTTPS, trusting only the
// certificate in $TLS_CA, base64 PEM), prints its status, length and
// SHA-256, and exits; on an error it prints "FAIL" and the error, and
// exits with 1.
package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pattern is byte i of a /big answer.
func pattern(i int) byte { return byte(i*7 + i>>11) }

func main() {
	if len(os.Args) == 3 && os.Args[1] == "fetch" {
		fetch(os.Args[2])
		return
	}
	conns := &connTable{m: map[net.Conn]string{}}
	mux := handlers(conns)
	// Every socket is bound before the HTTP port answers: the tests wait
	// for that one alone.
	udp, err := net.ListenPacket("udp", ":7070")
	if err != nil {
		log.Fatalf("udp echo: %v", err)
	}
	go udpEcho(udp)
	if certPEM, keyPEM := envPEM("TLS_CERT"), envPEM("TLS_KEY"); certPEM != nil {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			log.Fatalf("TLS_CERT/TLS_KEY: %v", err)
		}
		l, err := tls.Listen("tcp", ":8443", &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			log.Fatal(err)
		}
		srv := &http.Server{Handler: mux, ConnState: conns.track}
		go func() { log.Fatal(srv.Serve(l)) }()
		fmt.Println("https on :8443")
	}
	l, err := net.Listen("tcp", ":8080")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on :8080, udp echo on :7070")
	srv := &http.Server{Handler: mux, ConnState: conns.track}
	log.Fatal(srv.Serve(l))
}

// connTable is the connections the servers hold open, with their states.
type connTable struct {
	mu sync.Mutex
	m  map[net.Conn]string
}

func (t *connTable) track(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(t.m, c)
	default:
		t.m[c] = st.String()
	}
}

// report is "conns N", then one line per connection that is not the
// asking one: its peer and state.
func (t *connTable) report(self string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "conns %d\n", len(t.m))
	for c, st := range t.m {
		if peer := c.RemoteAddr().String(); peer != self {
			fmt.Fprintf(&b, "%s %s\n", peer, st)
		}
	}
	return b.String()
}

func handlers(conns *connTable) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "netpeer here")
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, conns.report(r.RemoteAddr))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 0 || n > 256<<20 {
			http.Error(w, "bad n", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		buf := make([]byte, 64<<10)
		for off := 0; off < n; {
			m := min(len(buf), n-off)
			for i := range m {
				buf[i] = pattern(off + i)
			}
			if _, err := w.Write(buf[:m]); err != nil {
				return
			}
			off += m
		}
	})
	mux.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d %x\n", n, h.Sum(nil))
	})
	mux.HandleFunc("/abort", func(w http.ResponseWriter, _ *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		block := make([]byte, 64<<10)
		sent := 0
		for {
			c.SetWriteDeadline(time.Now().Add(2 * time.Second))
			n, err := c.Write(block)
			sent += n
			if err != nil {
				break
			}
		}
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		fmt.Printf("abort: reset after %d bytes\n", sent)
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, _ *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		c.(*net.TCPConn).SetLinger(0) // close sends RST, not FIN
		c.Close()
	})
	return mux
}

// udpEcho sends every datagram back where it came from.
func udpEcho(pc net.PacketConn) {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			log.Fatalf("udp echo: %v", err)
		}
		if _, err := pc.WriteTo(buf[:n], from); err != nil {
			log.Printf("udp echo to %v: %v", from, err)
		}
	}
}

// envPEM decodes an environment variable holding base64 of PEM text; nil
// when it is unset.
func envPEM(name string) []byte {
	v := os.Getenv(name)
	if v == "" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		log.Fatalf("%s is not base64: %v", name, err)
	}
	return b
}

func fetch(url string) {
	pool := x509.NewCertPool()
	if ca := envPEM("TLS_CA"); ca != nil && !pool.AppendCertsFromPEM(ca) {
		fmt.Println("FAIL: $TLS_CA holds no certificate")
		os.Exit(1)
	}
	c := &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Println("FAIL fetch:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		fmt.Println("FAIL reading the body:", err)
		os.Exit(1)
	}
	fmt.Printf("fetched %s over %s: status %d, %d bytes, sha256 %x\n", url, tlsVersion(resp.TLS), resp.StatusCode, n, h.Sum(nil))
}

func tlsVersion(st *tls.ConnectionState) string {
	if st == nil {
		return "plain HTTP"
	}
	return tls.VersionName(st.Version)
}
