package config

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// passwordPair matches the password of a key=value PostgreSQL DSN, quoted or
// not.
var passwordPair = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDSN returns a storage DSN fit to print: a URL's password, in the user
// part or in a password parameter, and the password of a key=value DSN become
// "xxxxx". A file path is returned as it is.
func RedactDSN(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return passwordPair.ReplaceAllString(dsn, "${1}xxxxx")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a DSN that is not a valid URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// quotedText matches a double-quoted piece of text in pgx's parse errors,
// which may be a piece of the DSN, password included.
var quotedText = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// postgresDSNProblem parses a PostgreSQL DSN as the driver will and returns
// what is wrong with it, or "" when nothing is. pgx quotes the whole DSN in
// its errors, masking the password only as far as it can tell where the
// password is, so the problem keeps only pgx's description, with every quoted
// piece of the DSN left out.
func postgresDSNProblem(dsn string) string {
	_, err := pgconn.ParseConfig(dsn)
	if err == nil {
		return ""
	}
	var parseErr *pgconn.ParseConfigError
	if !errors.As(err, &parseErr) {
		return "the driver cannot read it"
	}

	text := parseErr.Error()
	inner := errors.Unwrap(parseErr)
	if inner != nil {
		text = strings.TrimSuffix(text, " ("+inner.Error()+")")
	}
	if i := strings.LastIndex(text, "`: "); i >= 0 {
		text = text[i+len("`: "):]
	}
	var urlErr *url.Error
	if errors.As(inner, &urlErr) {
		inner = urlErr.Err
	}
	if inner != nil {
		text += " (" + inner.Error() + ")"
	}
	return quotedText.ReplaceAllStringFunc(text, func(q string) string {
		if q == `"="` {
			return q
		}
		return "(a value from the DSN)"
	})
}
