package http

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/httpresult"
	"github.com/turbocode/switchboard/sdk/signature"
)

var _ sdk.Previewer = (*instance)(nil)

// Preview shows the request Deliver would send: method, URL, headers and body.
// Values of configured headers may be credentials and print as <secret>;
// signatures are computed when the request is sent and print as a placeholder.
func (in *instance) Preview(ctx context.Context, req *sdk.DeliveryRequest) (string, error) {
	target, client, err := in.destination(req)
	if err != nil {
		return "", err
	}
	body, err := buildBody(in.format, req)
	if err != nil {
		return "", err
	}
	httpReq, err := in.newRequest(ctx, req, target, body)
	if err != nil {
		return "", err
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", httpReq.Method, httpresult.RedactURL(target.String()))
	if client == in.guarded {
		b.WriteString("  (through the network guard: the url came from a template)")
	}
	b.WriteString("\n")

	names := make([]string, 0, len(httpReq.Header))
	for name := range httpReq.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "%s: %s\n", name, in.previewHeader(name, httpReq.Header.Get(name), req))
	}
	b.WriteString("\n")
	b.Write(body)
	return b.String(), nil
}

func (in *instance) previewHeader(name, value string, req *sdk.DeliveryRequest) string {
	switch name {
	case signature.HeaderWebhookSignature, signature.HeaderTurboSignature:
		return "<signature, computed when sent>"
	case signature.HeaderWebhookTimestamp:
		return "<time of sending>"
	case "Content-Type", "User-Agent", signature.HeaderWebhookID, signature.HeaderTurboEvent, signature.HeaderTurboDeliveryID,
		headerEventsTotal, headerSuppressed:
		return value
	}
	if _, fromTarget := req.Target.Map("headers")[name]; fromTarget {
		return value
	}
	return "<secret>"
}
