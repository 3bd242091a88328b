package http

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/netguard"
	"github.com/turbocode/switchboard/sdk/signature"
)

// The body formats.
const (
	// formatEnvelope sends the event's envelope, or a JSON array of envelopes
	// when a delivery carries several events.
	formatEnvelope = "envelope"
	// formatTurbo sends Turbo's native webhook body: the event's data.native
	// when present, else {"<entity_type>": data.current, "project_id": ...}.
	formatTurbo = "turbo"
)

// The signing schemes.
const (
	schemeNone     = "none"
	schemeStandard = "standard-webhooks"
	schemeTurbo    = "turbo"
)

// minTurboSecretLength is the shortest secret Turbo's webhook scheme accepts.
const minTurboSecretLength = 16

// config is an instance's config.
type config struct {
	// URL is the destination, absolute http or https. Optional when every route
	// target sets url.
	URL string `json:"url"`
	// Method is POST (default), PUT or PATCH.
	Method string `json:"method"`
	// Headers are sent with every request. Their values may hold credentials.
	Headers map[string]sdk.Secret `json:"headers"`
	// ContentType is the Content-Type header. Default application/json.
	ContentType string `json:"content_type"`
	// Format is envelope or turbo. Default envelope, or turbo when
	// signing.scheme is turbo.
	Format  string        `json:"format"`
	Signing signingConfig `json:"signing"`
}

// signingConfig is the `signing:` block.
type signingConfig struct {
	// Scheme is standard-webhooks, turbo or none (default).
	Scheme string `json:"scheme"`
	// Secret and Secrets are the signing keys; requests carry a signature for
	// each, so that receivers can rotate keys. Secret comes first.
	Secret  sdk.Secret   `json:"secret"`
	Secrets []sdk.Secret `json:"secrets"`
}

// keys returns every configured secret with its config path.
func (s signingConfig) keys() ([]sdk.Secret, []string) {
	var secrets []sdk.Secret
	var paths []string
	if s.Secret != "" {
		secrets = append(secrets, s.Secret)
		paths = append(paths, "signing.secret")
	}
	for i, secret := range s.Secrets {
		secrets = append(secrets, secret)
		paths = append(paths, fmt.Sprintf("signing.secrets[%d]", i))
	}
	return secrets, paths
}

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{Method: http.MethodPost, ContentType: "application/json"}
	diagnostics := sdk.DecodeConfig(raw, &cfg)

	cfg.Method = strings.ToUpper(cfg.Method)
	if cfg.Signing.Scheme == "" {
		cfg.Signing.Scheme = schemeNone
	}
	if cfg.Format == "" {
		cfg.Format = formatEnvelope
		if cfg.Signing.Scheme == schemeTurbo {
			cfg.Format = formatTurbo
		}
	}

	for _, rule := range configRules {
		diagnostics = append(diagnostics, rule(cfg)...)
	}
	return cfg, diagnostics
}

// configRules are the checks of a decoded config, one rule each.
var configRules = []func(config) []sdk.Diagnostic{
	checkURL,
	checkMethod,
	checkHeaders,
	checkContentType,
	checkFormat,
	checkScheme,
	checkSecrets,
}

func checkURL(cfg config) []sdk.Diagnostic {
	if cfg.URL == "" {
		return nil
	}
	if _, err := parseDestination(cfg.URL); err != nil {
		return []sdk.Diagnostic{{Path: "url", Message: err.Error()}}
	}
	return nil
}

// parseDestination parses an absolute http or https URL. Its errors show the
// URL redacted.
func parseDestination(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %s; write an absolute http or https URL", httpresult.RedactURL(raw))
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("URL %s has no scheme; start it with https:// or http://", httpresult.RedactURL(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %s has scheme %q; use http or https", httpresult.RedactURL(raw), u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %s has no host; write an absolute URL such as https://hooks.example.com/turbo", httpresult.RedactURL(raw))
	}
	if err := netguard.CheckHostForm(u.Hostname()); err != nil {
		return nil, err
	}
	return u, nil
}

func checkMethod(cfg config) []sdk.Diagnostic {
	switch cfg.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return nil
	}
	return []sdk.Diagnostic{{Path: "method", Message: fmt.Sprintf("unsupported method %q; use POST, PUT or PATCH", cfg.Method)}}
}

func checkHeaders(cfg config) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	for _, name := range sortedNames(cfg.Headers) {
		if err := checkHeader(name, cfg.Headers[name].Reveal()); err != nil {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: "headers." + name, Message: err.Error()})
		}
	}
	return diagnostics
}

func checkContentType(cfg config) []sdk.Diagnostic {
	mediaType, _, err := mime.ParseMediaType(cfg.ContentType)
	if err != nil || !strings.Contains(mediaType, "/") || !validHeaderValue(cfg.ContentType) {
		return []sdk.Diagnostic{{Path: "content_type", Message: fmt.Sprintf("invalid media type %q; write one such as application/json", cfg.ContentType)}}
	}
	return nil
}

func checkFormat(cfg config) []sdk.Diagnostic {
	if cfg.Format == formatEnvelope || cfg.Format == formatTurbo {
		return nil
	}
	return []sdk.Diagnostic{{Path: "format", Message: fmt.Sprintf("unknown format %q; use envelope or turbo", cfg.Format)}}
}

func checkScheme(cfg config) []sdk.Diagnostic {
	switch cfg.Signing.Scheme {
	case schemeNone, schemeStandard, schemeTurbo:
		return nil
	}
	return []sdk.Diagnostic{{Path: "signing.scheme", Message: fmt.Sprintf("unknown signing scheme %q; use standard-webhooks, turbo or none", cfg.Signing.Scheme)}}
}

// checkSecrets requires a secret for a signing scheme, none without one, and
// keys of the scheme's form. Messages never show a secret.
func checkSecrets(cfg config) []sdk.Diagnostic {
	secrets, paths := cfg.Signing.keys()
	scheme := cfg.Signing.Scheme
	if scheme == schemeNone {
		if len(secrets) > 0 {
			return []sdk.Diagnostic{{Path: "signing.scheme", Message: "a secret is set but the scheme is none (the default), so requests would go unsigned; set scheme: standard-webhooks or turbo"}}
		}
		return nil
	}
	if scheme != schemeStandard && scheme != schemeTurbo {
		return nil
	}
	if len(secrets) == 0 {
		return []sdk.Diagnostic{{Path: "signing.secret", Message: fmt.Sprintf("missing; scheme %s needs a secret, such as secret: ${HOOK_SECRET}", scheme)}}
	}

	var diagnostics []sdk.Diagnostic
	for i, secret := range secrets {
		if message := checkSecret(scheme, secret.Reveal()); message != "" {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: paths[i], Message: message})
		}
	}
	return diagnostics
}

// checkSecret returns what is wrong with one secret for scheme, or "".
func checkSecret(scheme, secret string) string {
	if secret == "" {
		return "empty; set the secret (an unset ${VARIABLE} expands to nothing)"
	}
	if scheme == schemeStandard {
		if _, err := signature.DecodeStandardKey(secret); err != nil {
			return "invalid Standard Webhooks secret: " + err.Error()
		}
		return ""
	}
	if n := utf8.RuneCountInString(secret); n < minTurboSecretLength {
		return fmt.Sprintf("the Turbo secret is %d characters long; use at least %d", n, minTurboSecretLength)
	}
	return ""
}
