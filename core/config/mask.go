package config

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// minMasked is the shortest value, or piece of a value, that MaskErrors
// hides. Shorter ones would hide ordinary words and numbers in the message
// and hide nothing that could be used.
const minMasked = 4

// MaskErrors returns errs with Redacted in place of every value that a
// ${...} reference took from the environment or a file in the key the error
// is about (or in a key inside it, or around it). The pieces of such a value
// between characters other than letters and digits are hidden too. A parser's
// message may quote them one by one: CEL reads an unquoted TOKEN-a1b2c3 as
// two names and reports "TOKEN" and "a1b2c3" apart.
// An error without a key path is masked with every such value.
func (c *Config) MaskErrors(errs Errors) Errors {
	if c == nil || len(c.expanded) == 0 {
		return errs
	}
	out := make(Errors, len(errs))
	for i, e := range errs {
		out[i] = c.maskError(e)
	}
	return out
}

func (c *Config) maskError(e *Error) *Error {
	var values []string
	for path, found := range c.expanded {
		if e.At.Path == "" || relatedPaths(path, e.At.Path) {
			values = append(values, found...)
		}
	}
	masked := maskValues(e.Message, values)
	if masked == e.Message {
		return e
	}
	hint := " (" + Redacted + " stands for a value of a ${...} reference)"
	if strings.HasSuffix(e.At.Path, ".if") {
		hint = " (" + Redacted + " stands for a value of a ${...} reference, which the expression reads as code; " +
			"to compare with it as a string, quote the reference: '${NAME}')"
	}
	copied := *e
	copied.Message = masked + hint
	return &copied
}

// relatedPaths reports whether one key path is the other or inside it.
func relatedPaths(a, b string) bool {
	return a == b || inside(a, b) || inside(b, a)
}

func inside(path, parent string) bool {
	rest, ok := strings.CutPrefix(path, parent)
	return ok && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "["))
}

// maskValues replaces in text each value and each piece of a value of at
// least minMasked characters with Redacted, the longest first, so that a
// piece never cuts a longer match apart.
func maskValues(text string, values []string) string {
	var hidden []string
	for _, v := range values {
		hidden = append(hidden, v)
		hidden = append(hidden, strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	}
	hidden = slices.DeleteFunc(hidden, func(v string) bool { return utf8.RuneCountInString(v) < minMasked })
	slices.SortFunc(hidden, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	for _, v := range slices.Compact(hidden) {
		text = replaceFold(text, v, Redacted)
	}
	return text
}

// replaceFold replaces in text every occurrence of old, in any letter case,
// with replacement. A checker may change a value's case before quoting it
// (the http connector upper-cases a method), so a secret must be found in
// every case. The upper and lower forms of old are matched too, because
// simple case folding does not pair every letter with its upper form (the
// dotless ı upper-cases to I). The parts of text that are replacement
// already stay as they are, so that a value containing "secret" does not
// mark up its own mask.
func replaceFold(text, old, replacement string) string {
	if old == "" {
		return text
	}
	forms := []string{regexp.QuoteMeta(old), regexp.QuoteMeta(strings.ToUpper(old)), regexp.QuoteMeta(strings.ToLower(old))}
	pattern := regexp.MustCompile("(?i)" + strings.Join(forms, "|"))
	parts := strings.Split(text, replacement)
	for i, part := range parts {
		parts[i] = pattern.ReplaceAllLiteralString(part, replacement)
	}
	return strings.Join(parts, replacement)
}
