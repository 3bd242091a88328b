package http

import (
	"net/http"
	"strconv"

	"github.com/turbocode/switchboard/sdk"
)

// The headers that tell a receiver what a body does not: how many events a
// digest collected in all, when its body lists only the route's max_items of
// them, and how many messages the route's throttle suppressed before this
// one. Each is sent only when it is not 0.
const (
	headerEventsTotal = "Switchboard-Events-Total"
	headerSuppressed  = "Switchboard-Suppressed"
)

// setFlowHeaders sets the digest and throttle headers of req.
func setFlowHeaders(header http.Header, req *sdk.DeliveryRequest) {
	if req.TotalEvents > 0 {
		header.Set(headerEventsTotal, strconv.Itoa(req.TotalEvents))
	}
	if req.Suppressed > 0 {
		header.Set(headerSuppressed, strconv.Itoa(req.Suppressed))
	}
}
