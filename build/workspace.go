package build

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// workspace is how the go command is told where the kernel is.
type workspace struct {
	// env is added to the go command's environment: GOWORK=<file> or
	// GOWORK=off.
	env []string
	// goWork is the generated go.work ("" with GOWORK=off).
	goWork string
}

// planWorkspace decides how the app's modules and the kernel module meet.
// Normally a go.work in tmp "use"s the app's main module(s) and the
// extracted kernel, so the app's go.mod never has to mention unigo. When the
// app lives in unigo's own module (the examples), the kernel is already
// there: the build runs in that module with GOWORK=off. replace are the
// go.work's replace directives: the stand-ins of modules in the module cache
// (makeStandIn).
//
// extract is called only when the kernel has to come from the cache.
func planWorkspace(tmp, goVersion string, mods []mainModule, replace []replacement, extract func() (string, error)) (workspace, error) {
	var dirs []string
	haveKernel := false
	for _, m := range mods {
		dirs = append(dirs, m.Dir)
		haveKernel = haveKernel || m.Path == ModulePath
	}
	if haveKernel && len(mods) == 1 && len(replace) == 0 {
		return workspace{env: []string{"GOWORK=off"}}, nil
	}
	if !haveKernel {
		kdir, err := extract()
		if err != nil {
			return workspace{}, err
		}
		dirs = append(dirs, kdir)
	}
	goWork := filepath.Join(tmp, "go.work")
	if err := os.WriteFile(goWork, []byte(goWorkFile(goVersion, dirs, replace)), 0o644); err != nil {
		return workspace{}, fmt.Errorf("cannot write the build's go.work: %w", err)
	}
	return workspace{env: []string{"GOWORK=" + goWork}, goWork: goWork}, nil
}

// goWorkFile is the text of a go.work using dirs, at the toolchain's go
// version (so any module the toolchain can build is allowed in it), with
// replace's directives.
func goWorkFile(goVersion string, dirs []string, replace []replacement) string {
	var b strings.Builder
	fmt.Fprintf(&b, "go %s\n\nuse (\n", strings.TrimPrefix(goVersion, "go"))
	for _, d := range dirs {
		fmt.Fprintf(&b, "\t%s\n", quoteModPath(d))
	}
	b.WriteString(")\n")
	for _, r := range replace {
		fmt.Fprintf(&b, "\nreplace %s => %s\n", r.Path, quoteModPath(r.Dir))
	}
	return b.String()
}

// quoteModPath quotes a path for go.work if it needs it.
func quoteModPath(p string) string {
	if strings.ContainsAny(p, " \t\"'`\\()") {
		return fmt.Sprintf("%q", p)
	}
	return p
}

// writeOverlay writes the source file that imports the kernel (and, with
// withNet, the network stack) and the -overlay file that adds it to the
// package in pkgDir, and returns the latter's path.
func writeOverlay(tmp, pkgDir string, withNet bool) (string, error) {
	src := filepath.Join(tmp, OverlayFile)
	if err := os.WriteFile(src, []byte(overlaySource(withNet)), 0o644); err != nil {
		return "", fmt.Errorf("cannot write the kernel import: %w", err)
	}
	data, err := json.Marshal(struct{ Replace map[string]string }{
		Replace: map[string]string{filepath.Join(pkgDir, OverlayFile): src},
	})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlay, data, 0o644); err != nil {
		return "", fmt.Errorf("cannot write the build overlay: %w", err)
	}
	return overlay, nil
}
