package config

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlLine matches the "yaml: line N: " prefix of yaml.v3's syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// readDocument parses data as one YAML document and returns its root node, nil
// for an empty file. It reports false after a syntax error, so that no check runs
// on a half-read file.
func (d *decoder) readDocument(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))

	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		return nil, true
	}
	if err != nil {
		d.syntaxError(err, data)
		return nil, false
	}

	var next yaml.Node
	err = dec.Decode(&next)
	if err != nil && !errors.Is(err, io.EOF) {
		d.syntaxError(err, data)
		return nil, false
	}
	if err == nil {
		d.add(Position{Line: next.Line, Column: next.Column}, "the file contains a second YAML document; keep everything in one document")
		return nil, false
	}

	if len(doc.Content) == 0 {
		return nil, true
	}
	return doc.Content[0], true
}

// yamlParserProblems are the messages of yaml.v3's parser, as opposed to its
// scanner. yaml.v3 v3.0.1 counts the line of a parser error from 0 and the line of
// a scanner error from 1, and leaves out "line 0", so a parser error without a
// line is on line 1.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// yamlLinelessProblems are yaml.v3 errors raised outside its parser and scanner,
// which carry no position at all.
var yamlLinelessProblems = []string{
	"unknown anchor",
	"attempted to go past the end of stream",
}

// syntaxError records a yaml.v3 parse error at the line it names, corrected to
// count from 1. yaml.v3 reports no column, so the position has none.
func (d *decoder) syntaxError(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = err.Error()[len(m[0]):]
	}

	switch {
	case hasAnyPrefix(msg, yamlParserProblems):
		line++
	case line == 0 && !hasAnyPrefix(msg, yamlLinelessProblems):
		line = 1
	}

	if line > 0 && lineHasTab(data, line) {
		msg += "; indent with spaces, because YAML does not allow tabs for indentation"
	}
	d.add(Position{Line: line}, "invalid YAML: "+msg)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, prefix := range prefixes {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// lineHasTab reports whether the given 1-based line of data starts its
// indentation with a tab.
func lineHasTab(data []byte, line int) bool {
	lines := bytes.Split(data, []byte("\n"))
	if line > len(lines) {
		return false
	}
	text := lines[line-1]
	indent := len(text) - len(bytes.TrimLeft(text, " \t"))
	return bytes.IndexByte(text[:indent], '\t') >= 0
}
