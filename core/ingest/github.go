package ingest

import (
	"errors"
	"net/http"
	"strings"

	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/signature"
)

// postGitHubWebhook serves POST /v1/github/webhook. It verifies
// X-Hub-Signature-256 over the raw body with the configured GitHub secrets
// (never the SHA-1 header, and never without a secret, whatever
// ingest.insecure says), stores the webhook as a github.* event and answers at
// once: GitHub counts a delivery as failed after 10 seconds. X-GitHub-Delivery
// is the event id, so a redelivery is answered as a duplicate.
func (h *handler) postGitHubWebhook(w http.ResponseWriter, r *http.Request) {
	received := h.clock.Now()
	if len(h.githubKeys) == 0 {
		h.fail(w, r, &apiError{status: http.StatusNotFound, code: codeNotFound,
			message: "GitHub webhooks are not received here: no github connector sets webhook_secret; set it to the secret of the repository's webhook"})
		return
	}

	apiErr := requireGitHubJSON(r.Header)
	if apiErr == nil {
		apiErr = requireGitHubHeaders(r.Header)
	}
	var body []byte
	if apiErr == nil {
		body, apiErr = h.readBody(w, r)
	}
	if apiErr == nil {
		apiErr = githubSignatureError(signature.VerifyGitHub(h.githubKeys, firstValue(r.Header, signature.HeaderGitHubSignature), body), r.Header)
	}
	if apiErr != nil && apiErr.status == http.StatusRequestEntityTooLarge {
		apiErr.message = githubTooLarge(apiErr.message)
	}
	if apiErr != nil {
		h.fail(w, r, apiErr)
		return
	}

	in, err := event.FromGitHubWebhook(firstValue(r.Header, signature.HeaderGitHubEvent),
		firstValue(r.Header, signature.HeaderGitHubDeliveryID), body, received)
	if err != nil {
		h.fail(w, r, parseError(err))
		return
	}
	h.accept(w, r, []*event.Incoming{in}, received)
}

// requireGitHubJSON rejects the form-encoded bodies GitHub sends when a
// webhook's content type is application/x-www-form-urlencoded.
func requireGitHubJSON(header http.Header) *apiError {
	apiErr := requireJSON(header)
	if apiErr != nil && apiErr.status == http.StatusUnsupportedMediaType {
		apiErr.message += "; set the webhook's Content type to application/json in the repository's webhook settings"
	}
	return apiErr
}

// requireGitHubHeaders names a missing header as GitHub spells it; the
// constants hold the canonical form that http.Header uses as its key.
func requireGitHubHeaders(header http.Header) *apiError {
	names := []struct{ canonical, display string }{
		{signature.HeaderGitHubEvent, "X-GitHub-Event"},
		{signature.HeaderGitHubDeliveryID, "X-GitHub-Delivery"},
	}
	for _, name := range names {
		if firstValue(header, name.canonical) == "" {
			return &apiError{status: http.StatusBadRequest, code: codeInvalidEvent, field: name.display,
				message: "missing header " + name.display + "; GitHub sets X-GitHub-Event and X-GitHub-Delivery on every webhook"}
		}
	}
	return nil
}

// githubTooLarge rewrites the 413 message for GitHub, which sends one
// webhook per request, so only a higher limit accepts the body. GitHub's
// webhook documentation caps payloads at 25 MB.
func githubTooLarge(message string) string {
	message, _, _ = strings.Cut(message, "; ")
	return message + "; GitHub sends webhook bodies of up to 25 MB, so raise ingest.max_body_bytes to accept larger ones"
}

// githubSignatureError returns the 401 for a failed signature check. A webhook signed
// only with the legacy SHA-1 X-Hub-Signature is told that this header is not
// accepted, rather than that no signature was sent.
func githubSignatureError(err error, header http.Header) *apiError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, signature.ErrMissing) && header.Get("X-Hub-Signature") != "":
		return unauthorized("invalid signature: X-Hub-Signature (SHA-1) is not accepted; send X-Hub-Signature-256, "+
			"which GitHub sets beside it when the webhook has a secret", err)
	case errors.Is(err, signature.ErrMismatch):
		return unauthorized("invalid signature: X-Hub-Signature-256 matches no github connector's webhook_secret; "+
			"set the same secret in the repository's webhook settings and in webhook_secret", err)
	default:
		return unauthorized("invalid signature: "+err.Error(), err)
	}
}

// decodeGitHubSecrets keeps the non-empty GitHub secrets; an empty one would
// verify any body signed with an empty key.
func decodeGitHubSecrets(secrets []sdk.Secret) [][]byte {
	var keys [][]byte
	for _, secret := range secrets {
		if secret != "" {
			keys = append(keys, []byte(secret.Reveal()))
		}
	}
	return keys
}
