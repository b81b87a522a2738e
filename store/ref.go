package store

import (
	"fmt"
	"path"
	"strings"
)

// DefaultTag is the tag of a name given without one.
const DefaultTag = "latest"

// A Ref names an image: NAME:TAG.
type Ref struct {
	Name string // lowercase path components: hello, example.com/team/web
	Tag  string
}

func (r Ref) String() string { return r.Name + ":" + r.Tag }

// Base is the last component of the name: the app's os.Args[0].
func (r Ref) Base() string { return path.Base(r.Name) }

// ParseRef reads NAME[:TAG]. A name is lowercase letters and digits in
// components separated by '/', each component possibly with single '.', '_'
// or '-' between them (hello, web-api, example.com/team/web), the first
// possibly a registry with its port (localhost:5000/web); a tag is up to
// 128 letters, digits, '_', '.' and '-', not beginning with '.' or '-'.
func ParseRef(s string) (Ref, error) {
	name, tag := s, DefaultTag
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		name, tag = s[:i], s[i+1:]
	}
	if !validName(name) || len(name) > 255 {
		return Ref{}, fmt.Errorf("%q is not an image name: use lowercase letters, digits and '.', '_' or '-' between them, components separated by '/' (like hello or example.com/web), and an optional :TAG", s)
	}
	if !validTag(tag) {
		return Ref{}, fmt.Errorf("%q has an invalid tag %q: use up to 128 letters, digits, '_', '.' and '-', not beginning with '.' or '-'", s, tag)
	}
	return Ref{Name: name, Tag: tag}, nil
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	comps := strings.Split(name, "/")
	if len(comps) > 1 && strings.Contains(comps[0], ":") {
		// A registry with its port, as Docker writes it: localhost:5000/web.
		host, port, _ := strings.Cut(comps[0], ":")
		if !validHost(host) || !validPort(port) {
			return false
		}
		comps = comps[1:]
	}
	for _, comp := range comps {
		if comp == "" || isSep(comp[0]) || isSep(comp[len(comp)-1]) {
			return false
		}
		for i := 0; i < len(comp); i++ {
			c := comp[i]
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case isSep(c) && !isSep(comp[i+1]):
			default:
				return false
			}
		}
	}
	return true
}

// validHost: a registry's host name (letters, digits, '-' and '.').
func validHost(h string) bool {
	if h == "" || h[0] == '.' || h[0] == '-' {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

func isSep(c byte) bool { return c == '.' || c == '_' || c == '-' }

func validTag(tag string) bool {
	if tag == "" || len(tag) > 128 || tag[0] == '.' || tag[0] == '-' {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || isSep(c)) {
			return false
		}
	}
	return true
}
