package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// rules are the checks that run after decoding and the derived defaults, in this
// order. Each one reports every problem it finds and skips values that were
// already rejected while decoding.
var rules = []func(*decoder, *Config){
	checkListenAddresses,
	checkAdminToken,
	checkStorageDriver,
	checkStorageDSN,
	checkStorageMaxConns,
	checkIngestSecretsPresent,
	checkIngestSecretValues,
	checkPlaceholderSecrets,
	checkIngestLimits,
	checkPositiveDurations,
	checkScheduleInterval,
	checkPositiveCounts,
	checkWorkers,
	checkBackoffOrder,
	checkLease,
	checkTurboURLs,
	checkLogLevel,
	checkLogFormat,
	checkConnectorNames,
	checkRateLimits,
	checkConnectorTypes,
	validateConnectorOptions,
	checkRouteNames,
	checkEventGlobs,
	checkWherePaths,
	checkRouteOptions,
	checkTargetsPresent,
	checkTargetConnectors,
	checkTargetParams,
}

// validate runs every rule on the decoded config.
func (d *decoder) validate(cfg *Config) {
	for _, rule := range rules {
		rule(d, cfg)
	}
}

// checkListenAddresses requires host:port with a numeric port for both listeners.
func checkListenAddresses(d *decoder, cfg *Config) {
	d.checkAddress("server.listen", cfg.Server.Listen)
	d.checkAddress("server.admin_listen", cfg.Server.AdminListen)
}

func (d *decoder) checkAddress(path, address string) {
	if d.failed[path] {
		return
	}
	_, port, err := net.SplitHostPort(address)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		d.errorAt(path, "invalid address %s; want host:port such as 127.0.0.1:8470", d.writtenValue(path, strconv.Quote(address)))
	}
}

// checkTurboURLs requires absolute http or https URLs.
func checkTurboURLs(d *decoder, cfg *Config) {
	d.checkHTTPURL("turbo.web_url", cfg.Turbo.WebURL, "http://localhost:3001")
	d.checkHTTPURL("turbo.api_url", cfg.Turbo.APIURL, "http://localhost:8001/api/v1")
}

func (d *decoder) checkHTTPURL(path, value, example string) {
	if d.failed[path] {
		return
	}
	u, err := url.Parse(value)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return
	}
	d.errorAt(path, "invalid URL %s; want an absolute http or https URL such as %s", d.writtenValue(path, strconv.Quote(value)), example)
}

// checkLogLevel accepts the levels of log/slog.
func checkLogLevel(d *decoder, cfg *Config) {
	d.checkOneOf("log.level", cfg.Log.Level, "log level", []string{"debug", "info", "warn", "error"})
}

// checkLogFormat accepts auto, text and json.
func checkLogFormat(d *decoder, cfg *Config) {
	d.checkOneOf("log.format", cfg.Log.Format, "log format", []string{"auto", "text", "json"})
}

func (d *decoder) checkOneOf(path, value, label string, allowed []string) {
	if d.failed[path] {
		return
	}
	for _, candidate := range allowed {
		if value == candidate {
			return
		}
	}
	d.errorAt(path, "unknown %s %s; use one of: %s", label, d.writtenValue(path, strconv.Quote(value)), strings.Join(allowed, ", "))
}

// checkRange reports path's integer value when it is outside low..high.
func (d *decoder) checkRange(path string, value, low, high int64) {
	if d.failed[path] || (value >= low && value <= high) {
		return
	}
	written := strconv.FormatInt(value, 10)
	if n, ok := d.values[path]; ok {
		written = valueText(n, written)
	}
	if high == math.MaxInt64 {
		d.errorAt(path, "%s is too small; use at least %d", written, low)
		return
	}
	d.errorAt(path, "%s is out of range; use %d to %d", written, low, high)
}

// hasReference reports whether path's value, as written, contains a ${...}
// reference, in which case a message must not show anything computed from it.
func (d *decoder) hasReference(path string) bool {
	return strings.Contains(d.rawValue(path, ""), "${")
}

// countNoun formats a count with its noun: "1 character", "8 characters".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// capitalize upper-cases the first letter of an ASCII sentence.
func capitalize(sentence string) string {
	if sentence == "" || sentence[0] < 'a' || sentence[0] > 'z' {
		return sentence
	}
	return string(sentence[0]-'a'+'A') + sentence[1:]
}
