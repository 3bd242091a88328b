package http

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/signature"
)

// signer adds the signature headers of the configured scheme to a request.
type signer struct {
	scheme       string
	standardKeys [][]byte
	turboKeys    [][]byte
	// turboHeaders sends X-Webhook-Event and X-Webhook-Delivery-Id, which
	// Turbo's receivers read, with the turbo format or the turbo scheme.
	turboHeaders bool
}

// newSigner decodes the configured secrets once, so that Deliver only signs.
func newSigner(cfg config) (signer, error) {
	s := signer{scheme: cfg.Signing.Scheme, turboHeaders: cfg.Format == formatTurbo || cfg.Signing.Scheme == schemeTurbo}
	secrets, paths := cfg.Signing.keys()
	for i, secret := range secrets {
		switch s.scheme {
		case schemeStandard:
			key, err := signature.DecodeStandardKey(secret.Reveal())
			if err != nil {
				return signer{}, fmt.Errorf("%s: %w", paths[i], err)
			}
			s.standardKeys = append(s.standardKeys, key)
		case schemeTurbo:
			s.turboKeys = append(s.turboKeys, []byte(secret.Reveal()))
		}
	}
	return s, nil
}

// sign sets the scheme's headers for body, the exact bytes sent. Standard
// Webhooks gets one signature per key in webhook-signature. Turbo's
// X-Webhook-Signature holds one value, so it is sent once per key, the first
// key's first: a receiver that reads only the first field verifies it with the
// first key.
func (s *signer) sign(header http.Header, req *sdk.DeliveryRequest, body []byte, now time.Time) error {
	if s.turboHeaders {
		header[signature.HeaderTurboEvent] = []string{eventType(req.Events)}
		header[signature.HeaderTurboDeliveryID] = []string{req.DeliveryID}
	}

	switch s.scheme {
	case schemeStandard:
		if req.DeliveryID == "" || strings.Contains(req.DeliveryID, ".") {
			return errors.New("the delivery id is empty or contains '.', which Standard Webhooks' webhook-id does not allow")
		}
		header[signature.HeaderWebhookID] = []string{req.DeliveryID}
		header[signature.HeaderWebhookTimestamp] = []string{strconv.FormatInt(now.Unix(), 10)}
		header[signature.HeaderWebhookSignature] = []string{signature.SignStandard(s.standardKeys, req.DeliveryID, now, body)}
	case schemeTurbo:
		values := make([]string, len(s.turboKeys))
		for i, key := range s.turboKeys {
			values[i] = signature.SignTurbo(key, body)
		}
		header[signature.HeaderTurboSignature] = values
	}
	return nil
}

// eventType returns the type of the events, or the first one's type when a
// digest mixes several.
func eventType(events []sdk.Event) string {
	if len(events) == 0 {
		return ""
	}
	return events[0].Type
}
