package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in the config file, at a known place.
type Error struct {
	File string
	At   Position
	// Message says what is wrong and, where it can, how to fix it.
	Message string
}

// Error formats the problem as "file:line:column: path: message". An unknown (0)
// column is left out, as for YAML syntax errors, which carry a line only. An
// unknown line leaves out both.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.At.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.At.Line)
	}
	if e.At.Line > 0 && e.At.Column > 0 {
		fmt.Fprintf(&b, ":%d", e.At.Column)
	}
	b.WriteString(": ")
	if e.At.Path != "" {
		b.WriteString(e.At.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is every problem found in one config file. It is an error itself.
type Errors []*Error

// Error lists the problems one per line, in file order.
func (errs Errors) Error() string {
	lines := make([]string, 0, len(errs))
	for _, e := range errs.Sorted() {
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

// Sorted returns the problems ordered by line and column.
func (errs Errors) Sorted() Errors {
	out := append(Errors(nil), errs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].At.Line != out[j].At.Line {
			return out[i].At.Line < out[j].At.Line
		}
		return out[i].At.Column < out[j].At.Column
	})
	return out
}

// Err returns errs as an error, or nil when there are none.
func (errs Errors) Err() error {
	if len(errs) == 0 {
		return nil
	}
	return errs
}
