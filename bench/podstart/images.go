package podstart

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"unigo.dev/unigo/bench/harness"
	"unigo.dev/unigo/internal/containerdserver"
)

// What the pods are made of: the unigo shim on containerd's PATH, and
// three images imported with ctr, since no registry is reachable.

const shimName = "containerd-shim-unigo-v2"

// installShim puts the unigo shim into dir, alone: a copy of prebuilt, or,
// without one, built from the unigo module of the current directory. The
// pods' processes are found by the directory in their command lines. It
// returns how the shim was got, for the report.
func installShim(ctx context.Context, prebuilt, dir string) (string, error) {
	dst := filepath.Join(dir, shimName)
	if prebuilt != "" {
		if err := harness.CopyFile(dst, prebuilt, 0o755); err != nil {
			return "", fmt.Errorf("the shim %s: %w", prebuilt, err)
		}
		return prebuilt, nil
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dst, "unigo.dev/unigo/cmd/"+shimName)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the shim from the unigo module here (run from the unigo repository, or give --shim): %v\n%s", err, strings.TrimSpace(string(out)))
	}
	wd, _ := os.Getwd()
	return "built from " + wd, nil
}

// images are the three images' references in containerd, and their
// archives.
type images struct {
	pause, plain, unigo          string
	pauseTar, plainTar, unigoTar string
}

func (i images) archives() []string { return []string{i.pauseTar, i.plainTar, i.unigoTar} }

var notInImageName = regexp.MustCompile(`[^a-z0-9._-]+`)

// buildImages makes the pause image and the app's two: its static binary
// in a FROM scratch image, and its unigo image, built with the unigo
// binary in a store of its own and saved with unigo save.
func buildImages(ctx context.Context, cfg Config, unigo string, app *harness.App, artifacts string) (images, error) {
	name := strings.Trim(notInImageName.ReplaceAllString(strings.ToLower(app.Name), "-"), "-._")
	i := images{
		pause: "docker.io/unigo-bench/pause:v1", pauseTar: filepath.Join(artifacts, "pause-image.tar"),
		plain: "docker.io/unigo-bench/" + name + ":plain", plainTar: filepath.Join(artifacts, "plain-image.tar"),
		unigo: "docker.io/unigo-bench/" + name + ":unigo", unigoTar: filepath.Join(artifacts, "unigo-image.tar"),
	}
	pause, err := harness.BuildApp(ctx, cfg.Pause, artifacts)
	if err != nil {
		return i, fmt.Errorf("the pause program: %w", err)
	}
	if err := containerdserver.ScratchImage(pause.Binary, "pause", i.pause, i.pauseTar); err != nil {
		return i, err
	}
	if err := containerdserver.ScratchImage(app.Binary, "app", i.plain, i.plainTar); err != nil {
		return i, err
	}
	env := []string{"UNIGO_ROOT=" + filepath.Join(artifacts, "unigo-root")}
	tag := strings.TrimPrefix(i.unigo, "docker.io/")
	if _, _, err := harness.Timed(ctx, 5*time.Minute, env, unigo, "build", "-t", tag, app.Dir); err != nil {
		return i, err
	}
	if _, _, err := harness.Timed(ctx, time.Minute, env, unigo, "save", "-o", i.unigoTar, tag); err != nil {
		return i, err
	}
	return i, nil
}
