package build

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pkgInfo is what the build needs to know about the app's package.
type pkgInfo struct {
	Dir        string
	ImportPath string
	Name       string
	Module     *struct {
		Path    string
		Version string
		Dir     string
		Main    bool
	}
	Deps       []string // every package it imports, directly or not
	EmbedFiles []string // the files it embeds, relative to Dir
}

// mainModule is one module of the context the package was resolved in: the
// module itself, or every module of the user's go.work.
type mainModule struct {
	Path, Dir string
}

// resolve finds the package that pattern names, relative to dir, and the
// main modules around it. A local pattern (./x, ../x, /abs/x) is resolved
// inside its own directory, so a package in any module on disk works from any
// working directory; an import path is resolved in dir's module, or, with a
// version or from the module cache, in a temporary module under tmp
// (listPackage).
func resolve(ctx context.Context, dir, tmp, pattern string, progress, verbose io.Writer) (*pkgInfo, []mainModule, source, error) {
	if strings.HasSuffix(pattern, ".go") {
		return nil, nil, source{}, fmt.Errorf("%s is a file: unigo builds a package; give its directory (for example .)", pattern)
	}
	if strings.Contains(pattern, "...") {
		return nil, nil, source{}, fmt.Errorf("%s is a pattern: unigo builds one main package; name its directory or import path", pattern)
	}
	src, out, err := listPackage(ctx, dir, tmp, pattern, "Dir,ImportPath,Name,Module,Deps,EmbedFiles", false, progress, verbose)
	if err != nil {
		if _, ok := err.(*goError); !ok {
			return nil, nil, src, err
		}
		return nil, nil, src, fmt.Errorf("package %s not found: %s", pattern, goMessage(err))
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			return nil, nil, src, fmt.Errorf("reading 'go list' output for %s: %w", pattern, err)
		}
		pkgs = append(pkgs, p)
	}
	switch {
	case len(pkgs) == 0:
		return nil, nil, src, fmt.Errorf("package %s not found: go list returned nothing", pattern)
	case len(pkgs) > 1:
		return nil, nil, src, fmt.Errorf("%s matches %d packages: unigo builds one main package; name it exactly", pattern, len(pkgs))
	}
	p := &pkgs[0]
	if p.Name != "main" {
		return nil, nil, src, fmt.Errorf("package %s is not a main package (it is package %s): unigo builds programs; point it at a directory with package main", pattern, p.Name)
	}
	if p.Module == nil {
		return nil, nil, src, fmt.Errorf("package %s is not in a Go module: run 'go mod init' in its directory", pattern)
	}
	if src.versioned {
		src.label = p.ImportPath + "@" + p.Module.Version
	}

	out, err = goCmd(ctx, src.dir, src.env, "list", "-m", "-f", "{{.Path}}\t{{.Dir}}")
	if err != nil {
		return nil, nil, src, fmt.Errorf("finding the module of %s: %s", pattern, goMessage(err))
	}
	var mods []mainModule
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, mdir, ok := strings.Cut(line, "\t")
		if ok && mdir != "" {
			mods = append(mods, mainModule{Path: path, Dir: mdir})
		}
	}
	if len(mods) == 0 {
		return nil, nil, src, fmt.Errorf("finding the module of %s: go list -m found no main module: run 'go mod init' in the package's directory", pattern)
	}
	return p, mods, src, nil
}

// isLocal reports whether pattern names a directory rather than an import path,
// by the go command's rule.
func isLocal(pattern string) bool {
	return pattern == "." || pattern == ".." || filepath.IsAbs(pattern) ||
		strings.HasPrefix(pattern, "./") || strings.HasPrefix(pattern, "../")
}

// goCmd runs the go command in dir for linux/amd64 with the user's
// environment plus env, and returns its standard output. Its error carries
// the go command's standard error.
func goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), targetEnv...), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, &goError{msg: "the go command is not installed (or not in PATH): install Go from https://go.dev/dl"}
		}
		return nil, &goError{msg: strings.TrimSpace(stderr.String()), err: err}
	}
	return out, nil
}

// goError is a failed go command, with what it said.
type goError struct {
	msg string
	err error
}

func (e *goError) Error() string {
	if e.msg == "" {
		return e.err.Error()
	}
	return e.msg
}

func (e *goError) Unwrap() error { return e.err }

// goMessage is the go command's own message, on one line where it fits.
func goMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "go: ")
	return strings.ReplaceAll(msg, "\n\t", " ")
}
