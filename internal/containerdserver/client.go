package containerdserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Ctr runs ctr against the server in CRI's namespace (k8s.io, where CRI
// finds the images ctr imports), for at most two minutes, and returns its
// output and exit code; err is for a ctr that could not run or was killed.
func (s *Server) Ctr(ctx context.Context, args ...string) (out string, code int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ctr", append([]string{"-a", s.Sock, "-n", "k8s.io"}, args...)...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err = cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok && ctx.Err() == nil {
		return b.String(), ee.ExitCode(), nil
	}
	if err != nil {
		return b.String(), -1, fmt.Errorf("ctr %s: %v", strings.Join(args, " "), err)
	}
	return b.String(), 0, nil
}

// Crictl runs crictl against the server's CRI, as kubelet would talk to
// it, and returns its standard output, trimmed (for crictl logs, the
// container's stdout and stderr both); a failure is an error with what
// crictl printed.
func (s *Server) Crictl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.CrictlBin, append([]string{"--runtime-endpoint", "unix://" + s.Sock, "--image-endpoint", "unix://" + s.Sock, "--timeout", "60s"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if len(args) > 0 && args[0] == "logs" {
		cmd.Stderr = &stdout
	}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("crictl %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// crictlQuiet is crictl for the teardown: errors ignored.
func (s *Server) crictlQuiet(args ...string) {
	exec.Command(s.CrictlBin, append([]string{"--runtime-endpoint", "unix://" + s.Sock, "--timeout", "30s"}, args...)...).Run()
}
