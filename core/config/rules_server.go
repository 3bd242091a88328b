package config

import (
	"net"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// minAdminTokenLength is the least length of server.admin_token, in characters.
const minAdminTokenLength = 16

// checkAdminToken checks server.admin_token's length when it is set. An empty
// token is valid: it turns the management side off. Messages give the token's
// length at most, never its value.
func checkAdminToken(d *decoder, cfg *Config) {
	const path = "server.admin_token"
	token := cfg.Server.AdminToken.Reveal()
	if d.failed[path] || token == "" {
		return
	}
	if n := utf8.RuneCountInString(token); n < minAdminTokenLength {
		d.errorAt(path, "the admin token has %s; use at least %d random characters, for example $(openssl rand -hex 24)",
			countNoun(n, "character"), minAdminTokenLength)
	}
}

// checkPlaceholderSecrets rejects a placeholder secret, such as the example
// config's defaults, on a listener that other machines can reach: anyone
// could sign events or call the management API with a published value.
func checkPlaceholderSecrets(d *decoder, cfg *Config) {
	const tokenPath = "server.admin_token"
	if !d.failed[tokenPath] && isPlaceholder(cfg.Server.AdminToken.Reveal()) && !isLoopback(cfg.Server.AdminListen) {
		d.errorAt(tokenPath, "the admin token is a placeholder (it contains \"change me\") and server.admin_listen %s is reachable from other machines; set a real token, for example SWITCHBOARD_ADMIN_TOKEN=$(openssl rand -hex 24)",
			d.writtenValue("server.admin_listen", strconv.Quote(cfg.Server.AdminListen)))
	}

	if isLoopback(cfg.Server.Listen) {
		return
	}
	for i, secret := range cfg.Ingest.Secrets {
		path := itemPath("ingest.secrets", i)
		if !d.failed[path] && isPlaceholder(secret.Reveal()) {
			d.errorAt(path, "the secret is a placeholder (it contains \"change me\") and server.listen %s is reachable from other machines; set a real secret, for example TURBO_WEBHOOK_SECRET=$(openssl rand -hex 24)",
				d.writtenValue("server.listen", strconv.Quote(cfg.Server.Listen)))
		}
	}
}

// placeholderPattern matches "change me" as words, spelled with a space, a
// hyphen, an underscore, a dot or nothing between them, in any case.
var placeholderPattern = regexp.MustCompile(`(?i)(^|[^a-z])change[ ._-]?me([^a-z]|$)`)

// isPlaceholder reports whether a secret contains "change me", however it
// is spelled: "change me", "change-me", "change_me" or "CHANGEME".
func isPlaceholder(secret string) bool {
	return placeholderPattern.MatchString(secret)
}

// isLoopback reports whether a listen address is reachable only from this
// machine. An address that does not parse, or has no host, counts as
// reachable.
func isLoopback(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
