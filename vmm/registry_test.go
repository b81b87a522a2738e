package vmm

import (
	"context"
	"strings"
	"testing"
)

type fakeVMM struct{ name string }

func (f fakeVMM) Name() string                            { return f.name }
func (f fakeVMM) Start(context.Context, Spec) (VM, error) { return nil, nil }

func TestRegistry(t *testing.T) {
	Register(fakeVMM{"fake-a"})
	v, err := Lookup("fake-a")
	if err != nil || v.Name() != "fake-a" {
		t.Fatalf("Lookup(fake-a) = %v, %v", v, err)
	}
	if _, err := Lookup("nosuch"); err == nil || !strings.Contains(err.Error(), `unknown VMM "nosuch": this unigo has fake-a`) {
		t.Errorf("Lookup(nosuch): %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second VMM of one name was registered")
		}
	}()
	Register(fakeVMM{"fake-a"})
}
