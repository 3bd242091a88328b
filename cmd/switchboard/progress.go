package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// progress reports long work on a terminal, rewriting one line; on anything
// else it prints nothing, so scripts and logs get only the summary.
type progress struct {
	w      io.Writer
	active bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, active: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(format string, args ...any) {
	if p.active {
		fmt.Fprintf(p.w, "\r\033[K"+format, args...)
	}
}

// done clears the progress line.
func (p *progress) done() {
	if p.active {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
