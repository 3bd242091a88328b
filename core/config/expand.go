package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileReference bounds what one ${file:PATH} reads, in bytes. Secrets and
// tokens are far smaller, so the bound only stops a wrong path (a log file, a disk
// image) from filling memory.
const maxFileReference = 1 << 20

// envName is the syntax of a variable name in ${NAME}, as in POSIX sh.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expander replaces ${...} references in scalar values:
//
//	${NAME}          the environment variable, or an error when it is not set
//	${NAME:-default} the variable, or default when it is unset or empty, as in sh
//	${file:PATH}     the file's content without one trailing newline, where a
//	                 relative PATH starts from the config file's directory
//	$${              a literal "${"
//
// A default is taken literally: it cannot contain "}" or another reference.
// Problems name the reference as written and never the value it stands for.
type expander struct {
	env Env
	dir string
	// record, when set, is called with each value taken from the
	// environment or a file, so that messages can hide it.
	record func(value string)
}

// expand returns s with every reference replaced, and a message for each
// reference that could not be resolved.
func (x expander) expand(s string) (string, []string) {
	var out strings.Builder
	var problems []string

	for {
		start := strings.Index(s, "${")
		if start < 0 {
			out.WriteString(s)
			return out.String(), problems
		}
		if start > 0 && s[start-1] == '$' {
			out.WriteString(s[:start-1])
			out.WriteString("${")
			s = s[start+2:]
			continue
		}

		out.WriteString(s[:start])
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			problems = append(problems, fmt.Sprintf("%q has no closing }; close the reference, or write $${ for a literal ${", shorten(s[start:])))
			return out.String(), problems
		}

		value, problem := x.resolve(s[start+2 : start+end])
		if problem != "" {
			problems = append(problems, problem)
		}
		out.WriteString(value)
		s = s[start+end+1:]
	}
}

// resolve returns the value of one reference, given without its ${ and }.
func (x expander) resolve(reference string) (string, string) {
	if path, ok := strings.CutPrefix(reference, "file:"); ok {
		return x.readFile(path)
	}

	name, fallback, hasFallback := strings.Cut(reference, ":-")
	if !envName.MatchString(name) {
		return "", fmt.Sprintf("invalid reference %q; write ${NAME}, ${NAME:-default} or ${file:PATH}", shorten("${"+reference+"}"))
	}

	value, set := x.env(name)
	switch {
	case set && value != "":
		x.note(value)
		return value, ""
	case hasFallback:
		return fallback, ""
	case set:
		return "", ""
	}
	return "", fmt.Sprintf("environment variable %s is not set; set it, or write ${%s:-default}", name, name)
}

// readFile returns the content of a ${file:PATH} reference.
func (x expander) readFile(path string) (string, string) {
	if path == "" {
		return "", "${file:} has no path; write ${file:PATH}"
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(x.dir, path)
	}

	content, err := readRegularFile(full)
	if err != nil {
		return "", fmt.Sprintf("cannot read %s for ${file:%s}: %v", full, path, err)
	}
	value, ok := strings.CutSuffix(content, "\r\n")
	if !ok {
		value = strings.TrimSuffix(content, "\n")
	}
	x.note(value)
	return value, ""
}

// note passes a value taken from the environment or a file to record.
func (x expander) note(value string) {
	if x.record != nil && value != "" {
		x.record(value)
	}
}

// readRegularFile reads a regular file of at most maxFileReference bytes. Other
// kinds of file (a FIFO, a terminal, a directory) are rejected, because reading
// them could block or never end. The error leaves out the path, which the caller
// names.
func readRegularFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", pathErrorCause(err)
	}
	defer f.Close()

	info, err := f.Stat()
	if err != nil {
		return "", pathErrorCause(err)
	}
	if !info.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}

	data, err := io.ReadAll(io.LimitReader(f, maxFileReference+1))
	if err != nil {
		return "", pathErrorCause(err)
	}
	if len(data) > maxFileReference {
		return "", fmt.Errorf("larger than %d bytes", maxFileReference)
	}
	return string(data), nil
}

// pathErrorCause drops the operation and path from an *fs.PathError.
func pathErrorCause(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

// shorten cuts raw config text to a length that fits in a message.
func shorten(text string) string {
	if runes := []rune(text); len(runes) > 60 {
		return string(runes[:57]) + "..."
	}
	return text
}

// expandScalar returns the expanded text of scalar n, or "" after reporting each
// reference that failed at n's position.
func (d *decoder) expandScalar(n *yaml.Node, path string) (string, bool) {
	x := d.expander
	x.record = func(value string) { d.expanded[path] = append(d.expanded[path], value) }
	value, problems := x.expand(n.Value)
	for _, problem := range problems {
		d.errorf(n, path, "%s", problem)
	}
	if len(problems) > 0 {
		return "", false
	}
	return value, true
}
