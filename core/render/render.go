// Package render executes the message and parameter templates of routes. A
// template is Go text/template over the event envelope parsed as generic JSON,
// so that it reads like the event it renders: {{ .event_type }},
// {{ .data.current.title }}, {{ .context.project_id }}.
//
// After parsing, every action's output is passed through an escape function
// chosen by the connector's markup (text, json, html, slack, discord), so that
// user text such as "<!channel>", "@everyone" or "<script>" never acts as
// markup. Helpers that produce markup on purpose return Safe, which is inserted
// unchanged. The package does no I/O.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"text/template"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// MaxOutputBytes bounds the output of one execution, in bytes (256 KiB).
const MaxOutputBytes = 256 << 10

// Safe is a string that is inserted without escaping. Helpers that build markup
// on purpose return it; values from event data never are Safe.
type Safe string

// Options configure an Engine.
type Options struct {
	// WebURL is the base of Turbo's web UI, used by the link helper.
	WebURL string
	// Location is the time zone of the date helper. Default UTC.
	Location *time.Location
}

// Engine parses templates with Switchboard's helpers. It is safe for concurrent
// use.
type Engine struct {
	opts  Options
	funcs map[sdk.Markup]template.FuncMap
}

// New returns an Engine with the given options.
func New(opts Options) *Engine {
	if opts.Location == nil {
		opts.Location = time.UTC
	}

	e := &Engine{opts: opts, funcs: make(map[sdk.Markup]template.FuncMap, len(escapers))}
	for markup := range escapers {
		e.funcs[markup] = e.funcMap(markup)
	}
	return e
}

// Template is one parsed template, escaped for one markup. It is safe for
// concurrent use.
type Template struct {
	name    string
	tmpl    *template.Template
	literal bool
}

// Parse parses text as a template named name, to be escaped for markup. The
// error is an *Error with the line of the problem.
func (e *Engine) Parse(name, text string, markup sdk.Markup) (*Template, error) {
	funcs, ok := e.funcs[markup]
	if !ok {
		return nil, &Error{Name: name, Message: fmt.Sprintf("unknown markup %q; use text, json, html, slack or discord", markup)}
	}

	tmpl, err := template.New(name).Funcs(funcs).Parse(text)
	if err != nil {
		return nil, newError(name, err)
	}

	for _, t := range tmpl.Templates() {
		if t.Tree != nil {
			rewriteList(t.Tree.Root)
		}
	}
	return &Template{name: name, tmpl: tmpl, literal: isLiteral(tmpl)}, nil
}

// Name returns the name the template was parsed with.
func (t *Template) Name() string {
	return t.name
}

// Literal reports whether the text has no actions, so that its output is the
// operator's own text and never comes from event data.
func (t *Template) Literal() bool {
	return t.literal
}

// Execute renders the template over doc, an envelope parsed as generic JSON. A
// nil value or a missing key renders as "". The error is an *Error; output over
// MaxOutputBytes is an error too.
func (t *Template) Execute(doc map[string]any) (string, error) {
	out := &boundedBuffer{max: MaxOutputBytes}
	if err := t.tmpl.Execute(out, doc); err != nil {
		return "", newError(t.name, err)
	}
	return out.String(), nil
}

// errOutputTooLarge stops an execution whose output passes MaxOutputBytes.
var errOutputTooLarge = fmt.Errorf("output is larger than %d bytes; shorten the template or truncate long values", MaxOutputBytes)

// boundedBuffer is a bytes.Buffer that rejects writes past max bytes.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errOutputTooLarge
	}
	return b.Buffer.Write(p)
}

// isOutputTooLarge reports whether err is the output bound.
func isOutputTooLarge(err error) bool {
	return errors.Is(err, errOutputTooLarge)
}
