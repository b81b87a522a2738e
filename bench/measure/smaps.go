package measure

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// SmapsField reads a field of /proc/PID/smaps_rollup ("Pss:"), in bytes.
func SmapsField(smaps []byte, name string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == name && f[2] == "kB" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("smaps_rollup: %q", sc.Text())
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("smaps_rollup has no %s line", name)
}
