package instance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// LogOptions says what Logs shows.
type LogOptions struct {
	Tail       int  // the last Tail lines only; negative: all
	Follow     bool // then keep showing new output until the instance ends
	Timestamps bool // begin each line with the time it arrived (RFC 3339)
	Stdout     io.Writer
	Stderr     io.Writer
}

// followPoll is how often a followed log is checked for more.
const followPoll = 100 * time.Millisecond

// Logs writes the instance's console, its stdout to opts.Stdout and its
// stderr and kernel messages to opts.Stderr.
func (is *Instances) Logs(ctx context.Context, name string, opts LogOptions) error {
	if _, err := is.Get(name); err != nil {
		return err
	}
	f, err := os.Open(is.path(name, consoleFile))
	if errors.Is(err, os.ErrNotExist) {
		if !opts.Follow {
			return nil
		}
	} else if err != nil {
		return fmt.Errorf("cannot read the log of %s: %w", name, err)
	}
	var recs []logRecord
	var rest []byte
	if f != nil {
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil {
			return fmt.Errorf("cannot read the log of %s: %w", name, err)
		}
		recs, rest = parseRecords(data)
	}
	if opts.Tail >= 0 {
		recs = recs[tailStart(recs, opts.Tail):]
	}
	writeRecords(recs, opts)
	if !opts.Follow {
		return nil
	}
	for {
		st, err := is.Get(name)
		ended := err != nil || !st.live()
		if f == nil {
			if f, err = os.Open(is.path(name, consoleFile)); err == nil {
				defer f.Close()
			}
		}
		if f != nil {
			more, _ := io.ReadAll(f)
			recs, rest = parseRecords(append(rest, more...))
			writeRecords(recs, opts)
		}
		if ended {
			return nil // everything the VM wrote was in the file before the state said so
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(followPoll):
		}
	}
}

// parseRecords decodes the complete records in data and returns the bytes
// of an incomplete last one.
func parseRecords(data []byte) (recs []logRecord, rest []byte) {
	end := bytes.LastIndexByte(data, '\n') + 1
	sc := bufio.NewScanner(bytes.NewReader(data[:end]))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r logRecord
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			recs = append(recs, r)
		}
	}
	return recs, append([]byte(nil), data[end:]...)
}

// tailStart is the index of the first record of the last n lines.
func tailStart(recs []logRecord, n int) int {
	lines := 0
	for i := len(recs) - 1; i >= 0; i-- {
		if strings.HasSuffix(recs[i].Log, "\n") {
			if lines == n {
				return i + 1
			}
			lines++
		}
	}
	return 0
}

func writeRecords(recs []logRecord, opts LogOptions) {
	for _, r := range recs {
		w := opts.Stdout
		if r.Stream == "stderr" {
			w = opts.Stderr
		}
		if w == nil {
			continue
		}
		if opts.Timestamps {
			io.WriteString(w, r.Time.Format(time.RFC3339Nano)+" ")
		}
		io.WriteString(w, r.Log)
	}
}
