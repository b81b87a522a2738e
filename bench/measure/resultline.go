package measure

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseResultLine parses the result line of a benchmark program that
// measures itself (examples/fsbench, examples/volbench): "PREFIX K=V K=V
// ...", possibly preceded by other console text on the same line, or
// "ERRPREFIX why" when the program failed. Every key in keys must be there
// with a positive value.
func ParseResultLine(line, prefix, errPrefix string, keys []string) (map[string]float64, error) {
	line = strings.TrimRight(line, "\r\n")
	if i := strings.Index(line, errPrefix); i >= 0 {
		return nil, errors.New("the program failed: " + strings.TrimSpace(line[i+len(errPrefix):]))
	}
	i := strings.Index(line, prefix)
	if i < 0 {
		return nil, fmt.Errorf("not a result line: %q", line)
	}
	vals := map[string]float64{}
	for _, f := range strings.Fields(line[i+len(prefix):]) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("result line %q: %q is not KEY=VALUE", line, f)
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x <= 0 {
			return nil, fmt.Errorf("result line %q: %s is not a positive number", line, f)
		}
		vals[k] = x
	}
	for _, k := range keys {
		if _, ok := vals[k]; !ok {
			return nil, fmt.Errorf("result line %q lacks %s", line, k)
		}
	}
	return vals, nil
}
