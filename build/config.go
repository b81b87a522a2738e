package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"unigo.dev/unigo/internal/memsize"
	"unigo.dev/unigo/store"
)

// ConfigFile is the file next to an app's main package that gives its build
// defaults: the image name, and how the image runs unless told otherwise.
//
//	name: hello            # unigo build stores the image as hello:latest
//	args: [-listen, :8080] # os.Args[1:]
//	env:
//	  GREETING: hi
//	memory: 32M
//	ports: [8080, 53/udp]
//	rootfs: ./root         # this directory becomes the image's read-only /
//	files:                 # and these files are added to it (guest path: host path)
//	  /etc/app.conf: conf/prod.conf
//	tmpfs: [/var/cache]    # writable in-memory directories besides /tmp
//	read_only: true        # the root stays read-only but for /tmp and tmpfs (as docker run --read-only)
//	volumes: [data:/data]  # volumes unigo run attaches (unigo volume create data)
//	net_stack: true        # an unmodified executable's kernel gets the network stack (--net-stack)
const ConfigFile = "unigo.yaml"

// AppConfig is what an app's unigo.yaml says.
type AppConfig struct {
	Path   string            // the file
	Name   store.Ref         // the image name; Name.Name is "" when the file gives none
	Run    store.Config      // how the image runs
	Rootfs string            // the directory that becomes the image's /, absolute; "" for none
	Files  map[string]string // more files of the image's root: guest path → host file, absolute
	// NetStack puts the network stack into the kernel of an unmodified
	// executable (ExecOptions.NetStack).
	NetStack bool
}

// configFile is the YAML's shape.
type configFile struct {
	Name     string            `yaml:"name"`
	Args     []string          `yaml:"args"`
	Env      map[string]string `yaml:"env"`
	Memory   string            `yaml:"memory"`
	Ports    []string          `yaml:"ports"`
	Rootfs   string            `yaml:"rootfs"`
	Files    map[string]string `yaml:"files"`
	Tmpfs    []string          `yaml:"tmpfs"`
	ReadOnly bool              `yaml:"read_only"`
	Volumes  []string          `yaml:"volumes"`
	NetStack bool              `yaml:"net_stack"`
}

// LoadConfig reads the unigo.yaml in dir; nil, nil when there is none.
// Unknown keys are errors, so that a misspelt one is not silently ignored.
func LoadConfig(dir string) (*AppConfig, error) {
	file := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", file, err)
	}
	var f configFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && err != io.EOF {
		msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", " ")
		return nil, fmt.Errorf("%s: %s: the keys are name, args, env, memory, ports, rootfs, files, tmpfs, read_only, volumes and net_stack", file, strings.Join(strings.Fields(msg), " "))
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", file, fmt.Sprintf(format, a...))
	}
	c := &AppConfig{Path: file, Run: store.Config{Args: f.Args, ReadOnly: f.ReadOnly}, NetStack: f.NetStack}
	if f.Name != "" {
		if c.Name, err = store.ParseRef(f.Name); err != nil {
			return nil, bad("name: %v", err)
		}
	}
	for k, v := range f.Env {
		if k == "" || strings.ContainsAny(k, "= ") {
			return nil, bad("env: %q is not a variable name", k)
		}
		c.Run.Env = append(c.Run.Env, k+"="+v)
	}
	sort.Strings(c.Run.Env)
	if f.Memory != "" {
		if c.Run.Memory, err = memsize.Parse(f.Memory); err != nil {
			return nil, bad("memory %v", err)
		}
	}
	for _, p := range f.Ports {
		port, err := parsePort(p)
		if err != nil {
			return nil, bad("ports: %v", err)
		}
		c.Run.Ports = append(c.Run.Ports, port)
	}
	if f.Rootfs != "" {
		c.Rootfs = filepath.Join(dir, f.Rootfs)
		if filepath.IsAbs(f.Rootfs) {
			c.Rootfs = f.Rootfs
		}
	}
	for guest, host := range f.Files {
		if !path.IsAbs(guest) || path.Clean(guest) == "/" {
			return nil, bad("files: %q is not an absolute path of a file in the image", guest)
		}
		if !filepath.IsAbs(host) {
			host = filepath.Join(dir, host)
		}
		if c.Files == nil {
			c.Files = map[string]string{}
		}
		c.Files[path.Clean(guest)] = host
	}
	for _, t := range f.Tmpfs {
		if !path.IsAbs(t) || path.Clean(t) == "/" {
			return nil, bad("tmpfs: %q is not an absolute directory other than /", t)
		}
		c.Run.Tmpfs = append(c.Run.Tmpfs, path.Clean(t))
	}
	for _, v := range f.Volumes {
		if src, target, ok := strings.Cut(v, ":"); !ok || src == "" || !strings.HasPrefix(target, "/") {
			return nil, bad("volumes: %q is not NAME:/path", v)
		}
		c.Run.Volumes = append(c.Run.Volumes, v)
	}
	return c, nil
}

// parsePort reads PORT or PORT/tcp or PORT/udp into the PORT/PROTO form.
func parsePort(s string) (string, error) {
	num, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "tcp"
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp") {
		return "", fmt.Errorf("%q is not a port: write it like 8080 or 8080/tcp or 53/udp", s)
	}
	return fmt.Sprintf("%d/%s", n, proto), nil
}
