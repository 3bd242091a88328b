package ingest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/turbocode/switchboard/sdk/signature"
)

// decodeSecret returns a secret's HMAC key and whether it is a Standard Webhooks
// key. The error never contains the secret.
func decodeSecret(secret string) (key []byte, standard bool, err error) {
	if signature.IsStandardKey(secret) {
		key, err := signature.DecodeStandardKey(secret)
		return key, true, err
	}
	if len(secret) < minRawSecretLength {
		return nil, false, fmt.Errorf("the secret has %d characters; use at least %d random characters", len(secret), minRawSecretLength)
	}
	return []byte(secret), false, nil
}

// verify checks the request's signature over the raw body against every
// configured secret. A webhook-signature header selects Standard Webhooks;
// otherwise X-Webhook-Signature selects Turbo's scheme.
func (h *handler) verify(header http.Header, body []byte) *apiError {
	if h.insecure {
		return nil
	}

	if standard := firstValue(header, signature.HeaderWebhookSignature); standard != "" {
		if len(h.standardKeys) == 0 {
			return unauthorized("webhook-signature (Standard Webhooks) was sent but ingest.secrets holds no whsec_ secret; add one or sign with X-Webhook-Signature", nil)
		}
		err := signature.VerifyStandard(h.standardKeys,
			firstValue(header, signature.HeaderWebhookID), firstValue(header, signature.HeaderWebhookTimestamp),
			standard, body, h.clock.Now(), h.tolerance)
		return signatureError(err)
	}

	if turbo := firstValue(header, signature.HeaderTurboSignature); turbo != "" {
		if len(h.turboKeys) == 0 {
			return unauthorized("X-Webhook-Signature was sent but ingest.secrets holds only whsec_ secrets; add the raw secret or sign with Standard Webhooks", nil)
		}
		return signatureError(signature.VerifyTurbo(h.turboKeys, turbo, body))
	}

	return unauthorized("missing signature; send webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks), "+
		"or X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>", nil)
}

// signatureError converts a verifier's error into a 401 response.
func signatureError(err error) *apiError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, signature.ErrMismatch):
		return unauthorized("invalid signature: no signature matches a configured secret; sign the exact bytes you send with a secret from ingest.secrets", err)
	default:
		return unauthorized("invalid signature: "+err.Error(), err)
	}
}

// firstValue returns the first value of a header given in canonical form,
// without the canonicalisation cost of http.Header.Get.
func firstValue(header http.Header, canonicalName string) string {
	if values := header[canonicalName]; len(values) > 0 {
		return values[0]
	}
	return ""
}
