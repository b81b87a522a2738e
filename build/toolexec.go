package build

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ToolexecCommand is the hidden unigo subcommand go runs as -toolexec while
// BuildTest links a test binary.
const ToolexecCommand = "__toolexec"

// toolexecCfgEnv names the file with the kernel's import-configuration lines.
const toolexecCfgEnv = "UNIGO_KERNEL_IMPORTCFG"

// Toolexec runs one Go tool (args[0] is its path) for go test -c: the
// compile of the generated test main package gets one more file importing
// the kernel, and the compile and link of it get the kernel's packages in
// their import configuration. Every other tool runs unchanged.
func Toolexec(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: no tool to run", ToolexecCommand)
	}
	tool := filepath.Base(args[0])
	kernelCfg := os.Getenv(toolexecCfgEnv)
	if kernelCfg != "" && !hasArg(args, "-V=full") {
		var err error
		switch {
		case tool == "compile" && isTestMain(args):
			args, err = addKernelToCompile(args, kernelCfg)
		case tool == "link":
			args, err = addKernelToConfig(args, kernelCfg, false)
		}
		if err != nil {
			return err
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if hasArg(args, "-V=full") && kernelCfg != "" {
		// The tool's identity goes into go's cache keys: make it depend on
		// the kernel too, so a changed kernel rebuilds the test main.
		out, err := exec.Command(args[0], args[1:]...).Output()
		if err != nil {
			return err
		}
		cfg, _ := os.ReadFile(kernelCfg)
		sum := sha256.Sum256(cfg)
		line := strings.TrimRight(string(out), "\n")
		fmt.Printf("%s unigo-kernel=%x\n", line, sum[:8])
		return nil
	}
	return cmd.Run()
}

func hasArg(args []string, a string) bool {
	for _, x := range args {
		if x == a {
			return true
		}
	}
	return false
}

// isTestMain reports whether a compile is of go test's generated main.
func isTestMain(args []string) bool {
	main := false
	for i, a := range args {
		if a == "-p" && i+1 < len(args) && args[i+1] == "main" {
			main = true
		}
	}
	for _, a := range args {
		if main && strings.HasSuffix(a, "_testmain.go") {
			return true
		}
	}
	return false
}

func addKernelToCompile(args []string, kernelCfg string) ([]string, error) {
	args, err := addKernelToConfig(args, kernelCfg, true)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "unigo-testmain-")
	if err != nil {
		return nil, err
	}
	f := filepath.Join(dir, OverlayFile)
	if err := os.WriteFile(f, []byte(overlaySource(false)), 0o644); err != nil {
		return nil, err
	}
	return append(args, f), nil
}

// addKernelToConfig copies the -importcfg file with the kernel's packages
// added (only the kernel package itself for a compile; all it needs for a
// link), and points the arguments at the copy.
func addKernelToConfig(args []string, kernelCfg string, onlyKernel bool) ([]string, error) {
	idx := -1
	for i, a := range args {
		if a == "-importcfg" && i+1 < len(args) {
			idx = i + 1
		}
	}
	if idx < 0 {
		return args, nil
	}
	orig, err := os.ReadFile(args[idx])
	if err != nil {
		return nil, err
	}
	extra, err := os.ReadFile(kernelCfg)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, line := range strings.Split(string(orig), "\n") {
		if rest, ok := strings.CutPrefix(line, "packagefile "); ok {
			have[strings.SplitN(rest, "=", 2)[0]] = true
		}
	}
	var out bytes.Buffer
	out.Write(orig)
	if !bytes.HasSuffix(orig, []byte("\n")) {
		out.WriteByte('\n')
	}
	sc := bufio.NewScanner(bytes.NewReader(extra))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "packagefile ")
		if !ok {
			continue
		}
		path := strings.SplitN(rest, "=", 2)[0]
		if have[path] || onlyKernel && path != KernelPackage {
			continue
		}
		out.WriteString(sc.Text() + "\n")
	}
	cfg := args[idx] + ".unigo"
	if err := os.WriteFile(cfg, out.Bytes(), 0o644); err != nil {
		return nil, err
	}
	args = append([]string{}, args...)
	args[idx] = cfg
	return args, nil
}
