package instance

import (
	"os"
	"slices"
	"strings"
	"testing"

	"unigo.dev/unigo/hostnet"
)

// A state file written by unigo before the launch layer (version 1) is read
// as what it meant, and written back as version 2.
func TestReadVersion1State(t *testing.T) {
	is := Open(t.TempDir())
	v1 := `{
  "name": "web",
  "spec": {"image": "web:v1", "imageId": "abc", "args": ["web", "-port", "80"], "env": ["A=1"],
           "memory": 16777216, "machine": "pc", "ports": ["80/tcp"],
           "publish": [{"Proto": "", "HostIP": "", "HostPort": 8080, "GuestPort": 80}],
           "net": true, "restart": {"policy": "on-failure", "maxRetries": 3}},
  "created": "2026-11-01T10:00:00Z",
  "status": "exited",
  "state": "exited (3)",
  "monitor": {"pid": 1, "startTicks": 2},
  "qemu": {"pid": 3, "startTicks": 4},
  "bootTimeMs": 61.5,
  "exit": {"code": 3, "reason": "exited"},
  "restarts": 2
}`
	os.MkdirAll(is.path("web"), 0o755)
	if err := os.WriteFile(is.statePath("web"), []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := is.Get("web")
	if err != nil {
		t.Fatal(err)
	}
	s := st.Spec
	if s.Image != "web:v1" || s.ImageID != "abc" || s.Argv0 != "web" || !slices.Equal(s.Args, []string{"-port", "80"}) ||
		s.Memory != 16<<20 || s.Machine != "pc" || len(s.Publish) != 1 || s.Publish[0].HostPort != 8080 ||
		s.Network == nil || s.Network.Mode != hostnet.ModeUser || s.Restart.MaxRetries != 3 {
		t.Errorf("spec %+v", s)
	}
	if st.Phase != Exited || st.Summary != "exited (3)" || st.VMM.Pid != 3 || st.BootTimeMs != 61.5 || st.Restarts != 2 || st.Exit.Code != 3 {
		t.Errorf("status %+v", st.Status)
	}
	if err := is.writeState(st); err != nil {
		t.Fatal(err)
	}
	again, err := is.Get("web")
	if err != nil || again.Version != stateVersion || again.Spec.Argv0 != "web" || !slices.Equal(again.Spec.Args, s.Args) {
		t.Errorf("written back: %+v, %v", again, err)
	}
	// A file from a newer unigo is refused, with what to do.
	os.WriteFile(is.statePath("web"), []byte(`{"version": 9}`), 0o644)
	if _, err := is.Get("web"); err == nil || !strings.Contains(err.Error(), "newer unigo") {
		t.Errorf("version 9: %v", err)
	}
}
