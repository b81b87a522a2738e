// Package withtests is a library with tests that read testdata/ and write
// temporary files, for `unigo test`.
package withtests

import (
	"os"
	"strings"
)

// Greeting reads the greeting from a file and shouts it.
func Greeting(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.ToUpper(strings.TrimSpace(string(b))), err
}
