package main

import (
	"fmt"
	"strconv"
	"time"
)

// seconds is a flag for a time in seconds (10) or as a Go duration (1.5s,
// 500ms).
type seconds time.Duration

func (s *seconds) String() string { return time.Duration(*s).String() }
func (s *seconds) Type() string   { return "seconds" }

func (s *seconds) Set(v string) error {
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		*s = seconds(n * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not a time: give seconds (10) or a duration (1.5s, 500ms)", v)
	}
	*s = seconds(d)
	return nil
}
