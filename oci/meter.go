package oci

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// startMeter shows, on a terminal, a layer's bytes as they move, as Docker
// does: "e8d64024bc9e: Pushing  1.2 MiB / 7.3 MiB", rewritten in place five
// times a second. stop clears the line, so the final word replaces it.
// Elsewhere (a pipe, a log) it shows nothing: the final lines say it all.
func startMeter(w io.Writer, label, verb string, total int64, done *int64) (stop func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			fmt.Fprintf(f, "\r\033[K%s: %s %s / %s", label, verb, sizeString(atomic.LoadInt64(done)), sizeString(total))
			select {
			case <-quit:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}
