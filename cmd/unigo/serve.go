package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"unigo.dev/unigo/gateway"
	"unigo.dev/unigo/launch"
	"unigo.dev/unigo/store"
)

var serveFlags struct {
	listen, metrics, config string
	routes                  []string
	tlsCert, tlsKey         string
}

var serveCmd = &cobra.Command{
	Use:   "serve [--listen ADDR] --route NAME=IMAGE[,SETTING=VALUE...] ...",
	Short: "Serve HTTP routes with unikernels booted on demand and scaled to zero",
	Long: `Serve runs an HTTP front end. A request for a route with no instance boots one
of the route's image (a detached instance, shown by 'unigo ps' as
serve-ROUTE-...), holds the request until the app listens on its port, and
passes it on; more load starts more instances, up to the route's max, and
requests beyond queue (then 503 with Retry-After). An instance idle for the
route's idle time is stopped, down to its min (0 by default). The client's
address reaches the app in X-Forwarded-For and Forwarded. Clients speak
HTTP/1.1, or HTTP/2 over TLS or in the clear (h2c). One line per
request goes to stderr: time, client, route, method, path, status,
duration, cold or warm, instance.

A route: NAME=IMAGE with settings after commas:
  host=NAME          the request's host name (default: any)
  path=/PREFIX       a path prefix (default /; the longest prefix wins)
  port=N             the app's port (default 8080)
  min=N, max=N       instances kept while idle (0) and at most (4)
  concurrency=N      requests in flight per instance (10)
  idle=DURATION      an idle instance stops after it (60s)
  ready=DURATION     how long a new instance may take to listen (30s); past
                     it, the held requests get 504 and the instance is stopped
  queue=N            requests waiting at most (100)
  memory=SIZE        the VM's memory (default: the image's)
  env=KEY=VALUE      for the app (repeatable)
--config FILE takes the same as YAML: a list "routes:" of name, image, host,
path, port, min, max, concurrency, idle, ready, queue, memory, env. SIGHUP
reads it again: unchanged routes keep their instances, the instances of
changed and removed routes stop once their requests are done.`,
	Example: `  unigo build -t web:v1 ./examples/httpd
  unigo serve --listen 127.0.0.1:8000 --route web=web:v1,idle=30s,max=2 --metrics 127.0.0.1:9100
  curl localhost:8000/          # boots an instance, then answers`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		routes, err := serveRoutes()
		if err != nil {
			return err
		}
		root, err := store.DefaultRoot()
		if err != nil {
			return err
		}
		is, err := openInstances()
		if err != nil {
			return err
		}
		g, err := gateway.New(routes, is, launch.Env{Root: root}, os.Stderr)
		if err != nil {
			return err
		}
		defer g.Close()
		if (serveFlags.tlsCert == "") != (serveFlags.tlsKey == "") {
			return errors.New("--tls-cert and --tls-key go together: give both, or neither for plain HTTP")
		}
		ln, err := net.Listen("tcp", serveFlags.listen)
		if err != nil {
			return fmt.Errorf("--listen %s: %w", serveFlags.listen, err)
		}
		srv := &http.Server{Handler: g, ReadHeaderTimeout: 30 * time.Second, Protocols: new(http.Protocols)}
		// HTTP/1.1, and HTTP/2 both over TLS and in the clear (h2c, with
		// prior knowledge), as gRPC clients speak it.
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetHTTP2(true)
		srv.Protocols.SetUnencryptedHTTP2(true)
		errs := make(chan error, 2)
		go func() {
			if serveFlags.tlsCert != "" {
				errs <- srv.ServeTLS(ln, serveFlags.tlsCert, serveFlags.tlsKey)
			} else {
				errs <- srv.Serve(ln)
			}
		}()
		var msrv *http.Server
		if serveFlags.metrics != "" {
			mln, err := net.Listen("tcp", serveFlags.metrics)
			if err != nil {
				srv.Close()
				return fmt.Errorf("--metrics %s: %w", serveFlags.metrics, err)
			}
			msrv = &http.Server{Handler: g.Metrics(), ReadHeaderTimeout: 30 * time.Second}
			go func() { errs <- msrv.Serve(mln) }()
		}
		fmt.Fprintf(os.Stderr, "unigo serve: listening on %s (%d routes)\n", ln.Addr(), len(routes))
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	wait:
		for {
			select {
			case sig := <-sigs:
				if sig != syscall.SIGHUP {
					fmt.Fprintf(os.Stderr, "unigo serve: %v: stopping the routes' instances\n", sig)
					break wait
				}
				routes, err := serveRoutes()
				if err == nil {
					err = g.Reload(routes)
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "unigo serve: SIGHUP: the routes stay as they were: %v\n", err)
				} else {
					fmt.Fprintf(os.Stderr, "unigo serve: SIGHUP: %d routes\n", len(routes))
				}
			case err := <-errs:
				return err
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if msrv != nil {
			msrv.Shutdown(ctx)
		}
		return nil
	},
}

// serveRoutes are the routes of --config and --route.
func serveRoutes() ([]gateway.Route, error) {
	var routes []gateway.Route
	if serveFlags.config != "" {
		b, err := os.ReadFile(serveFlags.config)
		if err != nil {
			return nil, err
		}
		var file struct {
			Routes []gateway.Route `yaml:"routes"`
		}
		if err := yaml.Unmarshal(b, &file); err != nil {
			return nil, fmt.Errorf("--config %s: %w", serveFlags.config, err)
		}
		routes = append(routes, file.Routes...)
	}
	for _, s := range serveFlags.routes {
		r, err := gateway.ParseRoute(s)
		if err != nil {
			return nil, err
		}
		routes = append(routes, r)
	}
	return routes, nil
}

func init() {
	f := serveCmd.Flags()
	f.StringVar(&serveFlags.listen, "listen", ":8000", "the address to serve HTTP on")
	f.StringArrayVar(&serveFlags.routes, "route", nil, "a route: NAME=IMAGE[,SETTING=VALUE...] (repeatable; see above)")
	f.StringVar(&serveFlags.config, "config", "", "a YAML file of routes")
	f.StringVar(&serveFlags.metrics, "metrics", "", "an address to serve Prometheus metrics on (off when empty)")
	f.StringVar(&serveFlags.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	f.StringVar(&serveFlags.tlsKey, "tls-key", "", "... and this key (PEM)")
	rootCmd.AddCommand(serveCmd)
}
