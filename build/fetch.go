package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// source is where the go command is asked about the package to build: a
// directory, the environment added there, and the argument that names the
// package in it.
type source struct {
	dir   string
	env   []string
	arg   string
	label string // the package as the progress lines name it
	// versioned is set when the package was fetched at a version into a
	// temporary module (PKG@VERSION, or the newest in the module cache):
	// the label then gets the version chosen.
	versioned bool
}

// TempModulePath is the module path of the temporary module that requires
// the module of a PKG@VERSION build.
const TempModulePath = "unigo-build"

// listPackage runs go list -json=fields on the package that pattern names,
// relative to dir, and returns where it was found with go list's output:
//   - a directory (./x, /abs/x) is asked about in itself;
//   - PKG@VERSION (as go install takes it; @latest too) in a temporary
//     module under tmp that requires PKG's module at VERSION, fetched through
//     the module proxy;
//   - an import path in dir; when no module of dir's context provides it,
//     but the module cache has its module, the newest version there, in a
//     temporary module as above.
//
// With tests, the temporary module has the tests' dependencies as well.
func listPackage(ctx context.Context, dir, tmp, pattern, fields string, tests bool, progress, verbose io.Writer) (source, []byte, error) {
	src := source{dir: dir, arg: pattern, label: pattern}
	if isLocal(pattern) {
		abs := pattern
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, pattern)
		}
		if st, err := os.Stat(abs); err == nil && st.IsDir() {
			src.dir, src.arg = abs, "."
		}
		// Otherwise go list in dir reports the missing directory in its words.
	} else if pkgPath, version, ok := strings.Cut(pattern, "@"); ok {
		if pkgPath == "" || version == "" || strings.Contains(version, "@") {
			return src, nil, fmt.Errorf("%s: give a package and a version, as in golang.org/x/example/hello@latest", pattern)
		}
		fmt.Fprintf(progress, "fetching %s...\n", pattern)
		var err error
		if src, err = tempModule(ctx, tmp, pkgPath, version, tests, verbose); err != nil {
			return src, nil, err
		}
	}
	out, err := goCmd(ctx, src.dir, src.env, "list", "-json="+fields, src.arg)
	if err == nil || src.versioned || src.arg != pattern || !strings.Contains(err.Error(), "no required module provides package") {
		return src, out, err
	}
	// An import path that the current module does not provide: the newest
	// version of its module in the cache, if there is one.
	cache, cerr := goModCache(ctx, dir, nil)
	if cerr != nil {
		return src, nil, err
	}
	modPath, version, ok := cachedModule(cache, pattern)
	if ge, isGo := err.(*goError); !ok && isGo {
		return src, nil, &goError{msg: ge.msg + "\n(nor is it in the module cache: to fetch it through the module proxy, name a version, as in " + pattern + "@latest)", err: ge.err}
	} else if !ok {
		return src, nil, err
	}
	fmt.Fprintf(progress, "%s is not a dependency of the current module: using %s %s from the module cache\n", pattern, modPath, version)
	cached, ferr := tempModule(ctx, tmp, pattern, version, tests, verbose)
	if ferr != nil {
		return src, nil, ferr
	}
	out, err = goCmd(ctx, cached.dir, cached.env, "list", "-json="+fields, cached.arg)
	return cached, out, err
}

// tempModule makes a module in tmp that requires the module providing
// pkgPath at version (go get resolves the query as go install PKG@VERSION
// does, fetching through the module proxy what the cache lacks); with
// tests, the dependencies of the package's tests too.
func tempModule(ctx context.Context, tmp, pkgPath, version string, tests bool, verbose io.Writer) (source, error) {
	query := pkgPath + "@" + version
	src := source{dir: filepath.Join(tmp, "module"), env: []string{"GOWORK=off"}, arg: pkgPath, label: query, versioned: true}
	if err := os.MkdirAll(src.dir, 0o755); err != nil {
		return src, fmt.Errorf("cannot create a temporary module: %w", err)
	}
	if _, err := goCmd(ctx, src.dir, src.env, "mod", "init", TempModulePath); err != nil {
		return src, fmt.Errorf("cannot create a temporary module: %s", goMessage(err))
	}
	args := []string{"get"}
	if tests {
		args = append(args, "-t")
	}
	args = append(args, query)
	fmt.Fprintf(verbose, "in %s: go %s\n", src.dir, strings.Join(args, " "))
	if _, err := goCmd(ctx, src.dir, src.env, args...); err != nil {
		msg := strings.TrimPrefix(goMessage(err), query+": ")
		return src, fmt.Errorf("cannot fetch %s: %s\n(check the package path and the version: 'go list -m -versions MODULE' lists a module's versions)", query, msg)
	}
	return src, nil
}
