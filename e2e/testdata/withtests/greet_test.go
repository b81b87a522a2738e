package withtests

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGreetingFromTestdata(t *testing.T) {
	got, err := Greeting("testdata/greeting.txt")
	if err != nil || got != "HELLO FROM TESTDATA" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestTempDir(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(p, []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := Greeting(p); got != "HI" {
		t.Fatalf("got %q", got)
	}
}
