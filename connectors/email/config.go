package email

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

// The TLS policies of the tls key.
const (
	// tlsStartTLS connects in plain text and requires STARTTLS before anything
	// else is sent; a server that does not offer it is a config error.
	tlsStartTLS = "starttls"
	// tlsImplicit speaks TLS from the first byte (SMTPS, port 465).
	tlsImplicit = "implicit"
	// tlsNone never encrypts, for a relay on the same host or network.
	tlsNone = "none"
)

// The SASL mechanisms of the auth key.
const (
	authAuto        = "auto"
	authPlain       = "plain"
	authLogin       = "login"
	authCRAMMD5     = "cram-md5"
	authSCRAMSHA1   = "scram-sha-1"
	authSCRAMSHA256 = "scram-sha-256"
	authXOAUTH2     = "xoauth2"
)

var authMechanisms = []string{authAuto, authPlain, authLogin, authCRAMMD5, authSCRAMSHA1, authSCRAMSHA256, authXOAUTH2}

// The defaults of the optional keys.
const (
	defaultSubjectPrefix            = "[Turbo]"
	defaultMaxConnections           = 2
	defaultMaxMessagesPerConnection = 100
	defaultIdleTimeout              = 30 * time.Second
)

// Limits on config values.
const (
	maxSubjectPrefixRunes = 40
	maxFromNameRunes      = 100
	maxConnectionsLimit   = 50
)

// config is an instance's config.
type config struct {
	// Host is the SMTP server's name or IP address. It is written in the
	// config, so it is trusted: the network guard allows private addresses.
	Host string `json:"host"`
	// Port defaults to 587 for starttls, 465 for implicit and 25 for none.
	Port int `json:"port"`
	// TLS is starttls (default), implicit or none.
	TLS string `json:"tls"`
	// CAFile is a PEM file of the certificate authorities that may sign the
	// server's certificate, for a relay with a private CA. It replaces the
	// system's CAs.
	CAFile string `json:"ca_file"`

	// Username and Password authenticate with SMTP AUTH; both or neither.
	Username string     `json:"username"`
	Password sdk.Secret `json:"password"`
	// Auth is the SASL mechanism: auto (default: the strongest the server
	// offers among SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN and CRAM-MD5),
	// plain, login, cram-md5, scram-sha-1, scram-sha-256 or xoauth2 (the
	// password is then an OAuth 2.0 access token).
	Auth string `json:"auth"`

	// From is the sender mailbox, "turbo@example.com" or
	// "Turbo <turbo@example.com>". Required.
	From string `json:"from"`
	// FromName, when set, replaces the display name in From.
	FromName string `json:"from_name"`
	// ReplyTo is the mailbox replies go to; default none, so replies go to From.
	ReplyTo string `json:"reply_to"`
	// SubjectPrefix starts every default subject. Default "[Turbo]"; "" for none.
	SubjectPrefix *string `json:"subject_prefix"`

	// MaxConnections bounds the SMTP connections open at once. Default 2.
	MaxConnections int `json:"max_connections"`
	// MaxMessagesPerConnection closes a connection after that many messages,
	// because some servers limit messages per session. Default 100.
	MaxMessagesPerConnection int `json:"max_messages_per_connection"`
	// IdleTimeout closes a connection unused for that long. Default 30s.
	IdleTimeout duration `json:"idle_timeout"`

	// from and replyTo are From (with FromName) and ReplyTo, parsed.
	from    *mail.Address
	replyTo *mail.Address
	// roots are the certificates of CAFile, nil to use the system's CAs.
	roots *x509.CertPool
}

// duration is a time.Duration written as a Go duration string ("30s", "2m").
type duration time.Duration

// UnmarshalJSON reads a duration string.
func (d *duration) UnmarshalJSON(raw []byte) error {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return fmt.Errorf("want a duration such as 30s or 2m")
	}
	parsed, err := time.ParseDuration(text)
	if err != nil {
		return fmt.Errorf("invalid duration %q; write one such as 30s or 2m", text)
	}
	*d = duration(parsed)
	return nil
}

// address returns host:port.
func (c *config) address() string {
	return net.JoinHostPort(c.Host, fmt.Sprint(c.Port))
}

// subjectPrefix returns the configured prefix, or the default.
func (c *config) subjectPrefix() string {
	if c.SubjectPrefix == nil {
		return defaultSubjectPrefix
	}
	return *c.SubjectPrefix
}

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{
		TLS:                      tlsStartTLS,
		Auth:                     authAuto,
		MaxConnections:           defaultMaxConnections,
		MaxMessagesPerConnection: defaultMaxMessagesPerConnection,
		IdleTimeout:              duration(defaultIdleTimeout),
	}
	diagnostics := sdk.DecodeConfig(raw, &cfg)

	cfg.TLS = strings.ToLower(cfg.TLS)
	cfg.Auth = strings.ToLower(cfg.Auth)
	if cfg.Port == 0 {
		cfg.Port = defaultPort(cfg.TLS)
	}

	for _, rule := range configRules {
		diagnostics = append(diagnostics, rule(&cfg)...)
	}
	return cfg, diagnostics
}

func defaultPort(policy string) int {
	switch policy {
	case tlsImplicit:
		return 465
	case tlsNone:
		return 25
	default:
		return 587
	}
}

// configRules are the checks of a decoded config, one rule each. Rules that
// parse a value store it in the config.
var configRules = []func(*config) []sdk.Diagnostic{
	checkHost,
	checkPort,
	checkTLS,
	checkCAFile,
	checkCredentials,
	checkAuth,
	checkFrom,
	checkReplyTo,
	checkSubjectPrefix,
	checkPool,
}

func checkHost(cfg *config) []sdk.Diagnostic {
	host := cfg.Host
	switch {
	case host == "":
		return diagnostic("host", "missing; set the SMTP server's name, such as smtp.example.com")
	case strings.Contains(host, "://"):
		return diagnostic("host", fmt.Sprintf("%q is a URL; write the server's name alone, such as smtp.example.com, and set port and tls", host))
	case hasControlOrSpace(host):
		return diagnostic("host", fmt.Sprintf("%q contains a space or a control character; write the server's name alone", host))
	}
	if _, _, err := net.SplitHostPort(host); err == nil {
		return diagnostic("host", fmt.Sprintf("%q contains a port; write the name alone and set port", host))
	}
	return nil
}

func checkPort(cfg *config) []sdk.Diagnostic {
	if cfg.Port < 1 || cfg.Port > 65535 {
		return diagnostic("port", fmt.Sprintf("%d is not a TCP port; use 1 to 65535, such as 587", cfg.Port))
	}
	return nil
}

func checkTLS(cfg *config) []sdk.Diagnostic {
	switch cfg.TLS {
	case tlsStartTLS, tlsImplicit:
		return nil
	case tlsNone:
		if cfg.CAFile != "" {
			return diagnostic("ca_file", "set, but tls is none, so no certificate is checked; remove ca_file or use tls: starttls or implicit")
		}
		return nil
	}
	return diagnostic("tls", fmt.Sprintf("unknown TLS policy %q; use starttls, implicit or none", cfg.TLS))
}

// checkCredentials requires username and password together, and refuses to
// send a password in plain text to a server that is not on this host.
func checkCredentials(cfg *config) []sdk.Diagnostic {
	hasPassword := cfg.Password != ""
	switch {
	case cfg.Username != "" && !hasPassword:
		return diagnostic("password", "missing or empty; a username needs a password (an unset ${VARIABLE} expands to nothing)")
	case cfg.Username == "" && hasPassword:
		return diagnostic("username", "missing; a password needs a username")
	case hasPassword && cfg.TLS == tlsNone && !isLoopbackHost(cfg.Host):
		return diagnostic("tls", fmt.Sprintf("none would send the password unencrypted to %s; use starttls or implicit, or a relay on this host", cfg.Host))
	}
	return nil
}

func checkAuth(cfg *config) []sdk.Diagnostic {
	known := false
	for _, mechanism := range authMechanisms {
		known = known || cfg.Auth == mechanism
	}
	if !known {
		return diagnostic("auth", fmt.Sprintf("unknown mechanism %q; use %s", cfg.Auth, strings.Join(authMechanisms, ", ")))
	}
	if cfg.Auth != authAuto && cfg.Username == "" {
		return diagnostic("auth", "set, but there is no username to log in with; set username and password, or remove auth")
	}
	return nil
}

func checkFrom(cfg *config) []sdk.Diagnostic {
	if cfg.From == "" {
		return diagnostic("from", `missing; set the sender, such as "Turbo <turbo@example.com>"`)
	}
	from, err := parseMailbox(cfg.From)
	if err != nil {
		return diagnostic("from", err.Error())
	}

	if cfg.FromName != "" {
		if hasControl(cfg.FromName) {
			return diagnostic("from_name", "contains a line break or another control character; remove it")
		}
		if utf8.RuneCountInString(cfg.FromName) > maxFromNameRunes {
			return diagnostic("from_name", fmt.Sprintf("longer than %d characters; shorten it", maxFromNameRunes))
		}
		from.Name = cfg.FromName
	}
	cfg.from = from
	return nil
}

func checkReplyTo(cfg *config) []sdk.Diagnostic {
	if cfg.ReplyTo == "" {
		return nil
	}
	replyTo, err := parseMailbox(cfg.ReplyTo)
	if err != nil {
		return diagnostic("reply_to", err.Error())
	}
	cfg.replyTo = replyTo
	return nil
}

func checkSubjectPrefix(cfg *config) []sdk.Diagnostic {
	prefix := cfg.subjectPrefix()
	if hasControl(prefix) {
		return diagnostic("subject_prefix", "contains a line break or another control character; remove it")
	}
	if utf8.RuneCountInString(prefix) > maxSubjectPrefixRunes {
		return diagnostic("subject_prefix", fmt.Sprintf("longer than %d characters; shorten it", maxSubjectPrefixRunes))
	}
	return nil
}

func checkPool(cfg *config) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	if cfg.MaxConnections < 1 || cfg.MaxConnections > maxConnectionsLimit {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "max_connections",
			Message: fmt.Sprintf("%d is out of range; use 1 to %d", cfg.MaxConnections, maxConnectionsLimit)})
	}
	if cfg.MaxMessagesPerConnection < 1 {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "max_messages_per_connection",
			Message: fmt.Sprintf("%d is out of range; use 1 or more", cfg.MaxMessagesPerConnection)})
	}
	if time.Duration(cfg.IdleTimeout) <= 0 {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "idle_timeout",
			Message: "must be positive, such as 30s"})
	}
	return diagnostics
}

// parseMailbox parses one RFC 5322 mailbox, with or without a display name.
func parseMailbox(value string) (*mail.Address, error) {
	if hasControl(value) {
		return nil, fmt.Errorf("%q contains a line break or another control character; remove it", value)
	}
	address, err := mail.ParseAddress(value)
	if err != nil {
		return nil, fmt.Errorf("invalid address %q (%v); write one such as turbo@example.com or \"Turbo <turbo@example.com>\"", value, err)
	}
	return address, nil
}

// isLoopbackHost reports whether host names this machine: "localhost" or a
// loopback IP address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func diagnostic(path, message string) []sdk.Diagnostic {
	return []sdk.Diagnostic{{Path: path, Message: message}}
}
