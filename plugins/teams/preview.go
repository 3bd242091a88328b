package teams

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
)

var _ sdk.Previewer = (*instance)(nil)

// Preview returns the request Deliver would send: the method, the webhook
// with its path and signature redacted, and the indented JSON body.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	dest, err := in.destination(req)
	if err != nil {
		return "", err
	}
	body, _, err := in.compose(req)
	if err != nil {
		return "", err
	}

	var indented bytes.Buffer
	if err := json.Indent(&indented, body, "", "  "); err != nil {
		return "", err
	}
	return "POST " + httpresult.RedactURL(dest.url.String()) + "\nContent-Type: application/json\n\n" + indented.String(), nil
}
