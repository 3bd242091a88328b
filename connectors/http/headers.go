package http

import (
	"fmt"
	"sort"
	"strings"

	"github.com/turbocode/switchboard/sdk/signature"
)

// reservedHeaders are set by the connector or by Go's HTTP client, so neither the
// config nor a route target may set them. Keys are lower case.
var reservedHeaders = map[string]string{
	"content-length":    "Go's HTTP client sets it from the body",
	"host":              "it comes from the URL",
	"transfer-encoding": "Go's HTTP client sets it",
	"connection":        "Go's HTTP client manages connections",
	"content-type":      "set content_type instead",
	strings.ToLower(signature.HeaderTurboSignature):  "the connector signs requests; configure signing instead",
	strings.ToLower(signature.HeaderTurboEvent):      "the connector sets it with the turbo format or signing scheme",
	strings.ToLower(signature.HeaderTurboDeliveryID): "the connector sets it with the turbo format or signing scheme",
	strings.ToLower(headerEventsTotal):               "the connector sets it on a digest",
	strings.ToLower(headerSuppressed):                "the connector sets it when the route's throttle suppressed messages",
}

// checkHeader returns an error when name is not an HTTP token, is reserved, or
// value contains a control character. The error never shows the value.
func checkHeader(name, value string) error {
	if !validHeaderName(name) {
		return fmt.Errorf("invalid header name %q; use letters, digits and !#$%%&'*+-.^_`|~ only", name)
	}
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "webhook-") {
		return fmt.Errorf("header %s is reserved for Standard Webhooks signing; configure signing instead", name)
	}
	if why, ok := reservedHeaders[lower]; ok {
		return fmt.Errorf("header %s cannot be set: %s", name, why)
	}
	if !validHeaderValue(value) {
		return fmt.Errorf("the value of header %s contains a line break or another control character; remove it", name)
	}
	return nil
}

// validHeaderName reports whether name is an HTTP token (RFC 9110, section 5.6.2).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			return false
		}
	}
	return true
}

func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// validHeaderValue reports whether value has no control character other than
// horizontal tab (RFC 9110, section 5.5), so no CR or LF can split the header.
func validHeaderValue(value string) bool {
	for i := 0; i < len(value); i++ {
		c := value[i]
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
