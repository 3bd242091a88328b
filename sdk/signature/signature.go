// Package signature signs and verifies webhook bodies with the two schemes
// Switchboard speaks: Standard Webhooks (webhook-id, webhook-timestamp and
// webhook-signature headers, HMAC-SHA256 over "id.timestamp.body" with a whsec_
// key) and Turbo's own X-Webhook-Signature ("sha256=" and the hex HMAC-SHA256 of
// the raw body). Every comparison is constant-time.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of both schemes.
const (
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"

	HeaderTurboSignature  = "X-Webhook-Signature"
	HeaderTurboEvent      = "X-Webhook-Event"
	HeaderTurboDeliveryID = "X-Webhook-Delivery-Id"

	HeaderGitHubSignature  = "X-Hub-Signature-256"
	HeaderGitHubEvent      = "X-Github-Event"
	HeaderGitHubDeliveryID = "X-Github-Delivery"
)

// StandardPrefix starts every Standard Webhooks symmetric key.
const StandardPrefix = "whsec_"

// Errors returned by the verifiers; callers branch with errors.Is.
var (
	ErrMissing   = errors.New("signature header missing")
	ErrMalformed = errors.New("signature header malformed")
	ErrMismatch  = errors.New("no signature matches any configured secret")
	ErrTimestamp = errors.New("timestamp outside the accepted tolerance")
)

// IsStandardKey reports whether secret is a Standard Webhooks key.
func IsStandardKey(secret string) bool { return strings.HasPrefix(secret, StandardPrefix) }

// DecodeStandardKey returns the HMAC key of a whsec_ secret. The error never
// contains the secret.
func DecodeStandardKey(secret string) ([]byte, error) {
	if !IsStandardKey(secret) {
		return nil, fmt.Errorf("a Standard Webhooks secret must start with %q", StandardPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, StandardPrefix))
	if err != nil {
		return nil, errors.New("the part after whsec_ is not valid base64 (standard alphabet, with padding)")
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("the key after whsec_ decodes to %d bytes; use 24 to 64 random bytes", len(key))
	}
	return key, nil
}

// SignStandard returns the webhook-signature header value for body: one "v1,<mac>"
// per key, separated by spaces, so that receivers can rotate keys.
func SignStandard(keys [][]byte, id string, timestamp time.Time, body []byte) string {
	ts := strconv.FormatInt(timestamp.Unix(), 10)
	parts := make([]string, 0, len(keys))
	for _, key := range keys {
		parts = append(parts, "v1,"+base64.StdEncoding.EncodeToString(standardMAC(key, id, ts, body)))
	}
	return strings.Join(parts, " ")
}

// VerifyStandard checks Standard Webhooks headers against every key. The
// timestamp, in Unix seconds, must be within tolerance of now in either
// direction. One in milliseconds or a finer unit returns ErrMalformed with a
// message that names the unit.
func VerifyStandard(keys [][]byte, id, timestamp, signatures string, body []byte, now time.Time, tolerance time.Duration) error {
	if id == "" || timestamp == "" || signatures == "" {
		return fmt.Errorf("%w: send webhook-id, %s and webhook-signature", ErrMissing, timestampName)
	}
	if strings.Contains(id, ".") {
		return fmt.Errorf("%w: webhook-id must not contain '.'", ErrMalformed)
	}
	seconds, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s must be integer Unix seconds", ErrMalformed, timestampName)
	}
	if err := checkTimestamp(seconds, now, tolerance); err != nil {
		return err
	}

	for _, key := range keys {
		want := standardMAC(key, id, timestamp, body)
		for _, candidate := range strings.Fields(signatures) {
			version, encoded, ok := strings.Cut(candidate, ",")
			if !ok || version != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(encoded)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrMismatch
}

func standardMAC(key []byte, id, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

// SignTurbo returns Turbo's X-Webhook-Signature value for body.
func SignTurbo(secret []byte, body []byte) string {
	return "sha256=" + hex.EncodeToString(turboMAC(secret, body))
}

// VerifyTurbo checks an X-Webhook-Signature value against every secret.
func VerifyTurbo(secrets [][]byte, header string, body []byte) error {
	return verifyHexSHA256(HeaderTurboSignature, secrets, header, body)
}

// SignGitHub returns GitHub's X-Hub-Signature-256 value for body, as a
// repository's webhook signs it with its secret.
func SignGitHub(secret []byte, body []byte) string {
	return "sha256=" + hex.EncodeToString(turboMAC(secret, body))
}

// VerifyGitHub checks an X-Hub-Signature-256 value ("sha256=" and the hex
// HMAC-SHA256 of the raw body, the same scheme as Turbo's) against every
// secret. The legacy SHA-1 X-Hub-Signature is never accepted.
func VerifyGitHub(secrets [][]byte, header string, body []byte) error {
	return verifyHexSHA256(HeaderGitHubSignature, secrets, header, body)
}

// verifyHexSHA256 checks a "sha256=<hex HMAC-SHA256 of the body>" value sent
// in the header called name.
func verifyHexSHA256(name string, secrets [][]byte, header string, body []byte) error {
	if header == "" {
		return fmt.Errorf("%w: send %s: sha256=<hex HMAC-SHA256 of the raw body>", ErrMissing, name)
	}
	encoded, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return fmt.Errorf("%w: %s must start with sha256=", ErrMalformed, name)
	}
	got, err := hex.DecodeString(encoded)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: %s must be sha256= followed by 64 hex digits", ErrMalformed, name)
	}
	for _, secret := range secrets {
		if hmac.Equal(got, turboMAC(secret, body)) {
			return nil
		}
	}
	return ErrMismatch
}

func turboMAC(secret, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return mac.Sum(nil)
}
