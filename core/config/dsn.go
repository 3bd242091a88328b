package config

import (
	"net/url"
	"regexp"
	"strings"
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
