package render

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error is a template that failed to parse or to execute.
type Error struct {
	// Name is the template's name.
	Name string
	// Line counts from 1 inside the template text; 0 when it is unknown.
	Line    int
	Message string
}

// Error formats the problem as `template NAME line N: MESSAGE`.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("template %s line %d: %s", e.Name, e.Line, e.Message)
	}
	return fmt.Sprintf("template %s: %s", e.Name, e.Message)
}

// templateLocation matches the prefix text/template puts on its errors:
// "template: NAME:LINE: " for parse errors and "template: NAME:LINE:COLUMN: "
// for execution errors. It is used only when the name is not the expected one.
var templateLocation = regexp.MustCompile(`^template: [^:]*:(\d+)(?::\d+)?: `)

// executingPrefix is the `executing "NAME" ` that text/template puts before the
// failing action; the Error already names the template.
var executingPrefix = regexp.MustCompile(`^executing "[^"]*" `)

// nilField matches text/template's message for a field read through a JSON null.
var nilField = regexp.MustCompile(`nil pointer evaluating interface \{\}\.(\w+)`)

// newError converts an error of text/template into an *Error with the line.
func newError(name string, err error) *Error {
	if isOutputTooLarge(err) {
		return &Error{Name: name, Message: errOutputTooLarge.Error()}
	}

	message := err.Error()
	line := 0
	if rest, ok := strings.CutPrefix(message, "template: "+name+":"); ok {
		line, message = cutLine(rest)
	} else if m := templateLocation.FindStringSubmatch(message); m != nil {
		line, _ = strconv.Atoi(m[1])
		message = message[len(m[0]):]
	}

	message = executingPrefix.ReplaceAllString(message, "")
	message = nilField.ReplaceAllString(message, "cannot read field $1 of a null value; test the value first with {{ with }} or {{ if }}")
	var fnErr *helperError
	if errors.As(err, &fnErr) {
		message = strings.Replace(message, "error calling "+fnErr.helper+": ", "", 1)
	}
	return &Error{Name: name, Line: line, Message: message}
}

// cutLine splits "LINE: rest" or "LINE:COLUMN: rest" into the line and rest.
func cutLine(s string) (int, string) {
	digits := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if digits <= 0 {
		return 0, s
	}
	line, _ := strconv.Atoi(s[:digits])

	rest := s[digits:]
	if after, ok := strings.CutPrefix(rest, ":"); ok {
		if end := strings.Index(after, ": "); end >= 0 && isDigits(after[:end]) {
			rest = after[end:]
		}
	}
	return line, strings.TrimPrefix(strings.TrimPrefix(rest, ":"), " ")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// helperError is an error returned by one of the helpers; it names the helper
// so that the message can drop text/template's "error calling NAME:" prefix,
// which the helper's own message already repeats.
type helperError struct {
	helper  string
	message string
}

func (e *helperError) Error() string {
	return e.helper + ": " + e.message
}

func helperErrorf(helper, format string, args ...any) error {
	return &helperError{helper: helper, message: fmt.Sprintf(format, args...)}
}
