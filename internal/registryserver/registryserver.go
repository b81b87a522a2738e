// Package registryserver starts a private container registry — Debian's
// docker-registry, the CNCF distribution server — on a free loopback port,
// for the tests and the benchmarks that push and pull for real.
package registryserver

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// A Server is a running registry.
type Server struct {
	Addr string // localhost:PORT, as clients name it (Docker allows plain HTTP to it)
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// Start runs a registry that keeps its data under dir, with basic auth when
// htpasswd (an htpasswd file's content, bcrypt) is given.
func Start(dir, htpasswd string) (*Server, error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return nil, errors.New("docker-registry is not installed: install the Debian package docker-registry (.ci/setup does)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	auth := ""
	if htpasswd != "" {
		p := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(p, []byte(htpasswd), 0o600); err != nil {
			return nil, err
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: unigo\n    path: %s\n", p)
	}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s",
		filepath.Join(dir, "data"), addr, auth)
	cfgPath := filepath.Join(dir, "registry.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	s := &Server{Addr: strings.Replace(addr, "127.0.0.1", "localhost", 1), cmd: exec.Command(bin, "serve", cfgPath), log: &bytes.Buffer{}}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if i == 100 {
			s.Stop()
			return nil, fmt.Errorf("docker-registry did not answer on %s: %v\n%s", addr, err, s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the registry.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}
