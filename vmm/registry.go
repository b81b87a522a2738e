package vmm

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// DefaultVMM is the VMM a launch uses when it names none.
const DefaultVMM = "qemu"

var registry struct {
	mu   sync.Mutex
	vmms map[string]VMM
}

// Register makes v available by its name. VMM packages call it from init;
// a second VMM of one name is a programming error.
func Register(v VMM) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.vmms == nil {
		registry.vmms = map[string]VMM{}
	}
	if _, dup := registry.vmms[v.Name()]; dup {
		panic("vmm: two VMMs registered as " + v.Name())
	}
	registry.vmms[v.Name()] = v
}

// Lookup returns the VMM registered as name ("" means DefaultVMM).
func Lookup(name string) (VMM, error) {
	if name == "" {
		name = DefaultVMM
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if v, ok := registry.vmms[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("unknown VMM %q: this unigo has %s", name, strings.Join(names(), ", "))
}

// names lists the registered VMMs. Preconditions: registry.mu is held.
func names() []string {
	var ns []string
	for n := range registry.vmms {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	if len(ns) == 0 {
		return []string{"none"}
	}
	return ns
}
