package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// scrubbedError is a driver error whose text has the password taken out. It
// unwraps to the driver error, so that errors.Is and errors.As still see it.
type scrubbedError struct {
	text string
	err  error
}

func (e *scrubbedError) Error() string { return e.text }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubConnectError returns err with its text scrubbed when it is a failed
// connection. pgx names the host it could not reach, and a password holding
// an @ that was not percent-encoded makes the password's tail part of the
// host: the host's text up to its last @, and the password itself, become
// "xxxxx". Any other error is returned as it is.
func scrubConnectError(err error) error {
	var connectErr *pgconn.ConnectError
	if !errors.As(err, &connectErr) || connectErr.Config == nil {
		return err
	}
	secrets := []string{connectErr.Config.Password}
	for _, host := range connectHosts(connectErr.Config) {
		if i := strings.LastIndex(host, "@"); i >= 0 {
			secrets = append(secrets, host[:i])
		}
	}

	text := err.Error()
	for _, secret := range secrets {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "xxxxx")
		}
	}
	if text == err.Error() {
		return err
	}
	return &scrubbedError{text: text, err: err}
}

// connectHosts returns every host config tries, the fallbacks included.
func connectHosts(config *pgconn.Config) []string {
	hosts := []string{config.Host}
	for _, fallback := range config.Fallbacks {
		hosts = append(hosts, fallback.Host)
	}
	return hosts
}
