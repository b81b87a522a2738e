package shim

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/containerd/protobuf"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/protobuf/types/known/anypb"

	"unigo.dev/unigo/ociruntime"
)

// A unigo container's cgroup is the one its spec names, made and joined
// by package ociruntime (ociruntime.Cgroup); the shim reads its metrics.

// cgroupPath is the cgroup the bundle's spec names, "" if none.
func cgroupPath(bundle string) (string, error) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return "", err
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return "", err
	}
	if spec.Linux == nil {
		return "", nil
	}
	return spec.Linux.CgroupsPath, nil
}

// deleteCgroup removes the cgroup the bundle's spec names, for the cleanup
// after a dead shim.
func deleteCgroup(bundle string) error {
	path, err := cgroupPath(bundle)
	if err != nil {
		return err
	}
	return ociruntime.DeleteCgroup(path)
}

// joinCgroup makes the cgroup the bundle's spec names and moves pid into
// it (the container process is in it already when ociruntime made it: then
// this is a no-op); nil when the spec names none.
func joinCgroup(bundle string, pid int) (*ociruntime.Cgroup, error) {
	path, err := cgroupPath(bundle)
	if err != nil || path == "" {
		return nil, err
	}
	return ociruntime.JoinCgroup(path, pid, 0)
}

// cgroupStats are cg's metrics as containerd's runc shim gives them.
func cgroupStats(cg *ociruntime.Cgroup) (*anypb.Any, error) {
	if cg.V2 != nil {
		m, err := cg.V2.Stat()
		if err != nil {
			return nil, err
		}
		return protobuf.MarshalAnyToProto(m)
	}
	m, err := cg.V1.Stat(cgroup1.IgnoreNotExist)
	if err != nil {
		return nil, err
	}
	return protobuf.MarshalAnyToProto(m)
}
