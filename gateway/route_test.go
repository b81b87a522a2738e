package gateway

import (
	"strings"
	"testing"
	"time"
)

func TestParseRoute(t *testing.T) {
	r, err := ParseRoute("api=web:v1,host=api.example.com,path=/v1/,port=9000,min=1,max=3,concurrency=5,idle=10s,ready=5s,queue=7,memory=128M,env=A=1,env=B=2")
	if err != nil {
		t.Fatal(err)
	}
	want := Route{Name: "api", Image: "web:v1", Host: "api.example.com", Path: "/v1/", Port: 9000, Min: 1, Max: 3, Concurrency: 5,
		Idle: 10 * time.Second, Ready: 5 * time.Second, Queue: 7, Memory: "128M", Env: []string{"A=1", "B=2"}, memory: 128 << 20}
	if r.Name != want.Name || r.Image != want.Image || r.Host != want.Host || r.Path != want.Path || r.Port != want.Port ||
		r.Min != want.Min || r.Max != want.Max || r.Concurrency != want.Concurrency || r.Idle != want.Idle || r.Ready != want.Ready ||
		r.Queue != want.Queue || r.memory != want.memory || strings.Join(r.Env, " ") != "A=1 B=2" {
		t.Errorf("got %+v\nwant %+v", r, want)
	}
	d, err := ParseRoute("web=web:v1")
	if err != nil || d.Path != "/" || d.Port != 8080 || d.Max != 4 || d.Min != 0 || d.Concurrency != 10 || d.Idle != time.Minute || d.Queue != 100 {
		t.Errorf("defaults: %+v %v", d, err)
	}
	for _, bad := range []struct{ flag, says string }{
		{"web", "NAME=IMAGE"},
		{"web=", "no image"},
		{"web=w:v1,max=-1", "max >= 1"},
		{"web=w:v1,min=3,max=2", "min <= max"},
		{"web=w:v1,port=70000", "port 70000"},
		{"web=w:v1,idle=soon", "idle=soon"},
		{"web=w:v1,colour=blue", `unknown setting "colour"`},
		{"web=w:v1,path=api", "starts with /"},
		{"web=w:v1,memory=12", "memory"},
	} {
		if _, err := ParseRoute(bad.flag); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%s: %v, want an error saying %q", bad.flag, err, bad.says)
		}
	}
}

func TestRouteMatches(t *testing.T) {
	r := Route{Host: "api.example.com", Path: "/v1/"}
	for _, tt := range []struct {
		host, path string
		ok         bool
	}{
		{"api.example.com", "/v1/users", true},
		{"API.example.com:8000", "/v1/", true},
		{"www.example.com", "/v1/users", false},
		{"api.example.com", "/v2/", false},
	} {
		if got := r.matches(tt.host, tt.path); got != tt.ok {
			t.Errorf("matches(%q, %q) = %v", tt.host, tt.path, got)
		}
	}
}
