package instance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"unigo.dev/unigo/bench/measure"
)

// The console logs the benchmark reads the app's line from: unigo's
// console.log and Docker's json-file log are both JSON lines with the time
// each line arrived.

// logRecord reads one record of a console log: its text and its time.
func logRecord(b []byte) (text string, at time.Time, ok bool) {
	var r struct {
		Time time.Time `json:"time"`
		Log  string    `json:"log"`
	}
	if json.Unmarshal(b, &r) != nil {
		return "", time.Time{}, false
	}
	return r.Log, r.Time, true
}

// waitLogLine polls a JSON-lines console log (unigo's console.log,
// Docker's json-file log) until a record holds line, and returns that
// record's time stamp: when the writer received the line, not when the
// poll saw it.
func waitLogLine(ctx context.Context, path, line string, deadline time.Time) (time.Time, error) {
	for {
		if b, err := os.ReadFile(path); err == nil {
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if text, at, ok := logRecord(sc.Bytes()); ok && strings.Contains(text, line) {
					return at, nil
				}
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(path)
			return time.Time{}, fmt.Errorf("%w waiting for %q in %s, which holds: %q", measure.ErrTimeout, line, path, measure.LastLines(strings.TrimSpace(string(b)), 3))
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
